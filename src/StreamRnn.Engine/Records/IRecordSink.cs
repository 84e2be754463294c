namespace StreamRnn.Engine.Records;

/// <summary>
/// Where a pipeline's outputs go: Kafka producers in the daemon, in-memory lists in tests and the backtest.
/// Spans are only valid during the call; an implementation copies what it keeps.
/// </summary>
public interface IRecordSink
{
    /// <summary>One prediction record (UTF-8 JSON) for the output topic, keyed like its source.</summary>
    void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source);

    /// <summary>One alert record (UTF-8 JSON) for the alert topic.</summary>
    void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source);

    /// <summary>A record that could not be processed; its original bytes travel in <paramref name="source"/>.</summary>
    void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail);

    /// <summary>A changelog record for the key's partition; an empty <paramref name="value"/> is a tombstone.</summary>
    void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
}
