using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Kafka.Tests.Processing;

/// <summary>
/// A corrupt local snapshot is quarantined (renamed, never read again) and reported as corrupt, so the partition is
/// restored from its changelog alone; a snapshot that is merely of another cluster's history is left alone.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SnapshotQuarantineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamrnn-snapshot-quarantine-").FullName;
    private readonly PipelineDefinition _definition = PipelineDefinition.Parse("""
        {
          "Name": "temps",
          "InputTopic": "sensors.temps",
          "OutputTopic": "predictions.temps",
          "DeadLetterTopic": "dead.temps",
          "Key": { "Source": "RecordKey" },
          "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
          "Features": [ { "Field": "value", "Transform": "ZScore" } ],
          "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
          "Model": { "Cell": "Gru", "HiddenSize": 4, "Layers": 1, "Head": "Gaussian", "Seed": 3 }
        }
        """u8);

    [Theory]
    [InlineData("garbage")]
    [InlineData("torn")]
    public void A_corrupt_snapshot_is_renamed_and_reported_corrupt(string damage)
    {
        var store = new PartitionSnapshotStore(_directory);
        var runtime = Runtime();
        var sink = new NullSink();
        runtime.Process([new InputRecord(1, 0, 0, "k"u8.ToArray(), """{"ts": 1700000000000, "value": 3.5}"""u8.ToArray())], sink);
        store.Write(runtime, _definition.Name, 1, changelogOffset: 1);
        string path = store.PathOf(_definition.Name, 1);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage == "garbage" ? "not a snapshot at all, just text"u8.ToArray() : bytes[..^7]);

        var fresh = Runtime();
        long start = store.TryLoad(fresh, _definition.Name, 1, changelogEnd: 10, out string? problem, out bool corrupt);

        Assert.Equal(0, start);
        Assert.True(corrupt);
        Assert.NotNull(problem);
        Assert.Equal(0, fresh.KeyCount);
        Assert.False(File.Exists(path));
        Assert.True(File.Exists(path + ".quarantined"));
    }

    [Fact]
    public void A_snapshot_of_another_clusters_history_is_not_quarantined()
    {
        var store = new PartitionSnapshotStore(_directory);
        store.Write(Runtime(), _definition.Name, 0, changelogOffset: 50);
        long start = store.TryLoad(Runtime(), _definition.Name, 0, changelogEnd: 10, out string? problem, out bool corrupt);

        Assert.Equal(0, start);
        Assert.False(corrupt);
        Assert.Contains("another cluster's history", problem, StringComparison.Ordinal);
        Assert.True(File.Exists(store.PathOf(_definition.Name, 0)));
    }

    private PipelineRuntime Runtime() => new(_definition, ModelWeights.Initialize(_definition.CreateShape(), _definition.Model.Seed), TimeProvider.System, metrics: null);

    private sealed class NullSink : IRecordSink
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

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
