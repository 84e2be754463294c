namespace StreamRnn.Engine.Configuration;

/// <summary>Where the series key of a record comes from.</summary>
public sealed class KeyOptions
{
    public KeySource Source { get; set; } = KeySource.RecordKey;

    /// <summary>The JSON field holding the key when <see cref="Source"/> is Field.</summary>
    public string? Field { get; set; }
}
