using System.Buffers.Binary;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class ChangelogTests
{
    private const int Chunk = 37;

    [Theory]
    [InlineData(CellKind.Lstm, 1)]
    [InlineData(CellKind.Gru, 3)]
    public void Restoring_from_the_changelog_then_continuing_is_bit_identical_to_never_stopping(CellKind cell, int horizon)
    {
        var definition = TestPipelines.Stocks(cell, hidden: 12, horizon: horizon);
        var records = TestPipelines.StockRecords(700, keys: 25, seed: 3, partitions: 3);
        const int crashAt = 333;

        var uninterrupted = TestPipelines.Runtime(definition);
        var expectedSink = new RecordingSink();
        Run(uninterrupted, records, 0, records.Length, expectedSink, flush: true);

        var first = TestPipelines.Runtime(definition);
        var firstSink = new RecordingSink();
        Run(first, records, 0, crashAt, firstSink, flush: true);
        Assert.True(firstSink.ChangelogRecords.Count > 25, "flushes coalesce per key but repeat across flushes");
        Assert.All(firstSink.ChangelogRecords, c => Assert.Equal(first.ChangelogValueBytes, c.Value.Length));

        // A new instance restores every partition from the changelog, in log order, then replays from an
        // earlier committed position: the replayed records it already has are skipped as duplicates.
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in firstSink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        StateAssert.BitIdentical(first, restored);
        var restoredSink = new RecordingSink();
        Run(restored, records, crashAt - 50, records.Length - (crashAt - 50), restoredSink, flush: true);
        Assert.Equal(50, restored.Counters.SkippedDuplicates);

        StateAssert.BitIdentical(uninterrupted, restored);
        var expected = StateAssert.ByKey(expectedSink);
        var actual = StateAssert.ByKey(restoredSink);
        foreach (var (key, predictions) in actual)
        {
            Assert.Equal(expected[key].TakeLast(predictions.Count), predictions);
        }

        Assert.Equal(expectedSink.Predictions.Count, firstSink.Predictions.Count + restoredSink.Predictions.Count);
    }

    [Fact]
    public void Flush_coalesces_to_one_record_per_changed_key_on_its_partition()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        var records = TestPipelines.StockRecords(100, keys: 6, seed: 9, partitions: 4);
        runtime.Process(records, sink);
        Assert.Equal(6, runtime.DirtyKeyCount);
        Assert.Equal(6, runtime.FlushChangelog(sink));
        Assert.Equal(6, sink.ChangelogRecords.Count);
        foreach (var (partition, key, _) in sink.ChangelogRecords)
        {
            int index = int.Parse(System.Text.Encoding.UTF8.GetString(key)[1..]);
            Assert.Equal(index % 4, partition);
        }

        Assert.Equal(0, runtime.FlushChangelog(sink));
        runtime.Process([records[^1] with { Offset = 1000 }], sink);
        Assert.Equal(1, runtime.FlushChangelog(sink));
    }

    [Fact]
    public void A_tombstone_deletes_the_key()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        runtime.Process(TestPipelines.StockRecords(20, keys: 2), sink);
        runtime.FlushChangelog(sink);
        var fresh = TestPipelines.Runtime(TestPipelines.Stocks());
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            fresh.Restore(partition, key, value);
        }

        Assert.Equal(2, fresh.KeyCount);
        fresh.Restore(0, "S0"u8, []);
        Assert.Equal(1, fresh.KeyCount);
        Assert.Null(fresh.QueryKey("S0"));
        fresh.Restore(0, "unknown"u8, []);
        Assert.Equal(1, fresh.KeyCount);
    }

    public static TheoryData<string, string> Corruptions() => new()
    {
        { "flip", "checksum mismatch" },
        { "truncate", "truncated" },
        { "short", "truncated" },
        { "magic", "bad magic number" },
        { "version", "unsupported format version 9" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupted_changelog_record_throws_a_clear_exception_and_changes_nothing(string corruption, string message)
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        runtime.Process(TestPipelines.StockRecords(10, keys: 1), sink);
        runtime.FlushChangelog(sink);
        var (partition, key, value) = Assert.Single(sink.ChangelogRecords);
        byte[] bad = Corrupt(value, corruption);

        var fresh = TestPipelines.Runtime(TestPipelines.Stocks());
        var exception = Assert.Throws<StateFormatException>(() => fresh.Restore(partition, key, bad));
        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, fresh.KeyCount);
        fresh.Restore(partition, key, value);
        Assert.Equal(1, fresh.KeyCount);
    }

    [Fact]
    public void State_of_another_model_shape_is_detected()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks(hidden: 16));
        var sink = new RecordingSink();
        runtime.Process(TestPipelines.StockRecords(10, keys: 1), sink);
        runtime.FlushChangelog(sink);
        var (partition, key, value) = Assert.Single(sink.ChangelogRecords);
        var other = TestPipelines.Runtime(TestPipelines.Stocks(hidden: 17));
        var exception = Assert.Throws<StateFormatException>(() => other.Restore(partition, key, value));
        Assert.Contains("another model shape or feature layout", exception.Message, StringComparison.Ordinal);

        var horizon = TestPipelines.Runtime(TestPipelines.Stocks(hidden: 16, horizon: 2));
        Assert.Throws<StateFormatException>(() => horizon.Restore(partition, key, value));
    }

    [Fact]
    public void Snapshots_round_trip_per_partition()
    {
        var definition = TestPipelines.Stocks();
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var records = TestPipelines.StockRecords(400, keys: 30, seed: 21, partitions: 2);
        runtime.Process(records.AsSpan(0, 300), sink);

        var fresh = TestPipelines.Runtime(definition);
        foreach (int partition in new[] { 0, 1 })
        {
            using var stream = new MemoryStream();
            runtime.WriteSnapshot(partition, stream);
            stream.Position = 0;
            Assert.Equal(partition, fresh.ReadSnapshot(stream));
        }

        StateAssert.BitIdentical(runtime, fresh);
        Assert.Equal(30, fresh.Counters.RestoredRecords);

        // Both continue identically.
        var a = new RecordingSink();
        var b = new RecordingSink();
        runtime.Process(records.AsSpan(300), a);
        fresh.Process(records.AsSpan(300), b);
        StateAssert.BitIdentical(runtime, fresh);
        Assert.Equal(a.Predictions, b.Predictions);

        // Reading a snapshot replaces that partition's keys only.
        using var empty = new MemoryStream();
        TestPipelines.Runtime(definition).WriteSnapshot(1, empty);
        empty.Position = 0;
        fresh.ReadSnapshot(empty);
        Assert.Equal(15, fresh.KeyCount);
        Assert.All(fresh.Dump(), e => Assert.Equal(0, int.Parse(e.Key[1..]) % 2));
    }

    [Theory]
    [InlineData("flip", "checksum mismatch")]
    [InlineData("truncate", "checksum mismatch")]
    [InlineData("short", "truncated")]
    [InlineData("magic", "bad magic number")]
    [InlineData("version", "unsupported format version 9")]
    public void A_corrupted_snapshot_throws_a_clear_exception_and_the_changelog_still_works(string corruption, string message)
    {
        var definition = TestPipelines.Stocks();
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process(TestPipelines.StockRecords(100, keys: 5, seed: 2), sink);
        runtime.FlushChangelog(sink);
        using var stream = new MemoryStream();
        runtime.WriteSnapshot(0, stream);
        byte[] bad = Corrupt(stream.ToArray(), corruption);

        var fresh = TestPipelines.Runtime(definition);
        var exception = Assert.Throws<StateFormatException>(() => fresh.ReadSnapshot(new MemoryStream(bad)));
        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, fresh.KeyCount);

        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            fresh.Restore(partition, key, value);
        }

        StateAssert.BitIdentical(runtime, fresh);
    }

    [Fact]
    public void A_snapshot_of_another_layout_is_rejected()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks(CellKind.Lstm));
        runtime.Process(TestPipelines.StockRecords(10, keys: 2), new RecordingSink());
        using var stream = new MemoryStream();
        runtime.WriteSnapshot(0, stream);
        stream.Position = 0;
        var gru = TestPipelines.Runtime(TestPipelines.Stocks(CellKind.Gru));
        var exception = Assert.Throws<StateFormatException>(() => gru.ReadSnapshot(stream));
        Assert.Contains("another model shape or feature layout", exception.Message, StringComparison.Ordinal);
    }

    private static void Run(PipelineRuntime runtime, InputRecord[] records, int start, int count, RecordingSink sink, bool flush)
    {
        for (int offset = start; offset < start + count; offset += Chunk)
        {
            runtime.Process(records.AsSpan(offset, Math.Min(Chunk, start + count - offset)), sink);
            if (flush)
            {
                runtime.FlushChangelog(sink);
            }
        }
    }

    private static byte[] Corrupt(byte[] value, string corruption)
    {
        byte[] copy = (byte[])value.Clone();
        switch (corruption)
        {
            case "flip":
                copy[copy.Length / 2] ^= 0x10;
                return copy;
            case "truncate":
                return copy[..^9];
            case "short":
                return copy[..20];
            case "magic":
                copy[0] = (byte)'X';
                return copy;
            case "version":
                BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(4), 9);
                return copy;
            default:
                throw new ArgumentException(corruption);
        }
    }
}
