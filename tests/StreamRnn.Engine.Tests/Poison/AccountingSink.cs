using StreamRnn.Engine.Records;

namespace StreamRnn.Engine.Tests;

/// <summary>Counts what the fuzzers' records were answered with (prediction or dead letter by reason) and any record answered twice.</summary>
internal sealed class AccountingSink : IRecordSink
{
    private readonly HashSet<long> _answered = [];

    public long Predictions;
    public long DeadLetters;
    public long TwiceAnswered;
    public Dictionary<DeadLetterReason, long> ByReason { get; } = [];

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        Predictions++;
        Answer(source.Offset);
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) { }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
    {
        DeadLetters++;
        ByReason[reason] = ByReason.GetValueOrDefault(reason) + 1;
        Answer(source.Offset);
    }

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) { }

    private void Answer(long offset)
    {
        if (!_answered.Add(offset))
        {
            TwiceAnswered++;
        }
    }
}
