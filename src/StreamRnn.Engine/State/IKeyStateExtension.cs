namespace StreamRnn.Engine.State;

/// <summary>
/// Per-key state kept outside the store by a component attached to the runtime (the alert rules), made durable with
/// the key: <see cref="KeyStateCodec"/> appends it to the key's changelog value (and so to snapshots) and hands it back
/// on restore. Fixed width, so a changelog value keeps one size per pipeline.
/// </summary>
internal interface IKeyStateExtension
{
    /// <summary>Writes <paramref name="key"/>'s state into exactly <paramref name="destination"/>'s bytes (zeros for "none").</summary>
    void Write(string key, Span<byte> destination);

    /// <summary>Takes <paramref name="key"/>'s state back from a restored value (replacing whatever is held for it).</summary>
    void Read(string key, ReadOnlySpan<byte> source);

    /// <summary>Drops <paramref name="key"/>'s state without output: its partition went to another instance, or it was deleted.</summary>
    void Forget(string key);
}
