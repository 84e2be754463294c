using StreamRnn.Engine.Records;

namespace StreamRnn.TrainingBench;

internal sealed class DiscardingSink : IRecordSink
{
    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
    {
    }

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
    }
}
