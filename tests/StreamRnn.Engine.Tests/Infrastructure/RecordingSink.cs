using System.Text;
using System.Text.Json;
using StreamRnn.Engine.Records;

namespace StreamRnn.Engine.Tests;

/// <summary>Keeps copies of everything a runtime emits.</summary>
internal sealed class RecordingSink : IRecordSink
{
    public List<(string Key, string Json, int Partition, long Offset)> Predictions { get; } = [];
    public List<(string Key, string Json)> Alerts { get; } = [];
    public List<(long Offset, DeadLetterReason Reason, string Detail, byte[] Value)> DeadLetters { get; } = [];
    public List<(int Partition, byte[] Key, byte[] Value)> ChangelogRecords { get; } = [];

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) =>
        Predictions.Add((Encoding.UTF8.GetString(key), Encoding.UTF8.GetString(json), source.Partition, source.Offset));

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) =>
        Alerts.Add((Encoding.UTF8.GetString(key), Encoding.UTF8.GetString(json)));

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) =>
        DeadLetters.Add((source.Offset, reason, detail, source.Value.ToArray()));

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        ChangelogRecords.Add((partition, key.ToArray(), value.ToArray()));

    public JsonElement PredictionJson(int index) => JsonDocument.Parse(Predictions[index].Json).RootElement;

    public void Clear()
    {
        Predictions.Clear();
        Alerts.Clear();
        DeadLetters.Clear();
        ChangelogRecords.Clear();
    }
}

/// <summary>Discards everything (for allocation and throughput measurements).</summary>
internal sealed class NullSink : IRecordSink
{
    public long Predictions;
    public long DeadLetters;

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) => Predictions++;
    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) { }
    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) => DeadLetters++;
    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) { }
}
