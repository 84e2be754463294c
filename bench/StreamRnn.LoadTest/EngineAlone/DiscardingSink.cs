using StreamRnn.Engine.Records;

namespace StreamRnn.LoadTest.EngineAlone;

/// <summary>Counts outputs and throws them away: the engine's cost without any transport.</summary>
public sealed class DiscardingSink : IRecordSink
{
    public long Predictions { get; private set; }

    public long PredictionBytes { get; private set; }

    public long DeadLetters { get; private set; }

    public long ChangelogRecords { get; private set; }

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        Predictions++;
        PredictionBytes += json.Length;
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) => DeadLetters++;

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => ChangelogRecords++;
}
