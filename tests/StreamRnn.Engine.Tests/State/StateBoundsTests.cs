using Microsoft.Extensions.Time.Testing;
using System.Text;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class StateBoundsTests
{
    private static InputRecord Reading(string key, long offset, int partition = 0) =>
        TestPipelines.Record("""{"temperature":20,"load":1,"mode":"run"}""", offset, key, partition);

    [Fact]
    public void Idle_keys_are_evicted_after_the_ttl_with_tombstones()
    {
        var definition = TestPipelines.Sensors();
        definition.State.IdleTtl = TimeSpan.FromHours(1);
        var time = new FakeTimeProvider(TestPipelines.Start);
        var runtime = TestPipelines.Runtime(definition, time);
        var sink = new RecordingSink();
        runtime.Process([Reading("a", 0), Reading("b", 1)], sink);
        time.Advance(TimeSpan.FromMinutes(30));
        runtime.Process([Reading("a", 2)], sink);
        time.Advance(TimeSpan.FromMinutes(31));

        Assert.Equal(1, runtime.EvictIdle(sink));
        var tombstone = Assert.Single(sink.ChangelogRecords);
        Assert.Equal("b", Encoding.UTF8.GetString(tombstone.Key));
        Assert.Empty(tombstone.Value);
        Assert.Equal(1, runtime.KeyCount);
        Assert.NotNull(runtime.QueryKey("a"));

        Assert.Equal(0, runtime.EvictIdle(sink));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(1, runtime.EvictIdle(sink));
        Assert.Equal(0, runtime.KeyCount);
        Assert.Equal(2, runtime.Counters.EvictedTtl);

        // An evicted key that returns starts afresh; its slot is reused.
        runtime.Process([Reading("b", 3)], sink);
        Assert.Equal(1, runtime.QueryKey("b")!.Steps);
    }

    [Fact]
    public void When_full_the_least_recently_used_key_is_evicted_with_a_tombstone()
    {
        var definition = TestPipelines.Sensors();
        definition.State.MaxKeys = 3;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process([Reading("k0", 0)], sink);
        runtime.Process([Reading("k1", 1)], sink);
        runtime.Process([Reading("k2", 2)], sink);
        runtime.Process([Reading("k0", 3)], sink); // k1 is now the least recent
        runtime.Process([Reading("k3", 4)], sink);

        Assert.Equal(3, runtime.KeyCount);
        Assert.Null(runtime.QueryKey("k1"));
        var tombstone = Assert.Single(sink.ChangelogRecords);
        Assert.Equal("k1", Encoding.UTF8.GetString(tombstone.Key));
        Assert.Empty(tombstone.Value);
        Assert.Equal(1, runtime.Counters.EvictedCapacity);
        Assert.Equal(5, sink.Predictions.Count);
    }

    [Fact]
    public void Churning_through_many_keys_without_a_flush_keeps_the_store_bounded_and_the_changelog_exact()
    {
        var definition = TestPipelines.Sensors();
        definition.State.MaxKeys = 3;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        for (int i = 0; i < 50; i++)
        {
            runtime.Process([Reading($"k{i}", i), Reading($"k{i}", i + 1000)], sink);
        }

        Assert.Equal(3, runtime.KeyCount);
        Assert.Equal(47, sink.ChangelogRecords.Count); // tombstones of the evicted keys
        Assert.All(sink.ChangelogRecords, c => Assert.Empty(c.Value));
        Assert.Equal(3, runtime.FlushChangelog(sink));
        Assert.Equal(["k47", "k48", "k49"], sink.ChangelogRecords.Skip(47).Select(c => Encoding.UTF8.GetString(c.Key)).Order());

        // Restoring more keys than fit evicts the least recent without a tombstone.
        var small = TestPipelines.Runtime(definition);
        var big = TestPipelines.Runtime(TestPipelines.Sensors());
        var bigSink = new RecordingSink();
        for (int i = 0; i < 5; i++)
        {
            big.Process([Reading($"r{i}", i)], bigSink);
        }

        big.FlushChangelog(bigSink);
        foreach (var (partition, key, value) in bigSink.ChangelogRecords)
        {
            small.Restore(partition, key, value);
        }

        Assert.Equal(3, small.KeyCount);
        Assert.Equal(2, small.Counters.EvictedCapacity);
    }

    [Fact]
    public void When_full_with_the_dead_letter_policy_new_keys_are_dead_lettered()
    {
        var definition = TestPipelines.Sensors();
        definition.State.MaxKeys = 2;
        definition.State.WhenFull = WhenFullPolicy.DeadLetter;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process([Reading("k0", 0), Reading("k1", 1), Reading("k2", 2), Reading("k0", 3)], sink);

        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(DeadLetterReason.StateFull, dead.Reason);
        Assert.Equal(2, dead.Offset);
        Assert.Contains("State:MaxKeys = 2", dead.Detail, StringComparison.Ordinal);
        Assert.Equal(2, runtime.KeyCount);
        Assert.Equal(3, sink.Predictions.Count);
        Assert.Empty(sink.ChangelogRecords);
    }

    [Fact]
    public void Keys_used_by_the_current_batch_are_never_evicted()
    {
        var definition = TestPipelines.Sensors();
        definition.State.MaxKeys = 2;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process([Reading("k0", 0), Reading("k1", 1), Reading("k2", 2)], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(DeadLetterReason.StateFull, dead.Reason);
        Assert.Equal(2, runtime.KeyCount);
        Assert.Equal(2, sink.Predictions.Count);
    }

    [Fact]
    public void Dropping_a_partition_forgets_its_keys_without_tombstones()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Sensors());
        var sink = new RecordingSink();
        runtime.Process([Reading("a", 0, 0), Reading("b", 0, 1), Reading("c", 1, 1), Reading("d", 1, 0)], sink);
        runtime.FlushChangelog(sink);
        sink.Clear();
        runtime.DropPartition(1);
        Assert.Equal(2, runtime.KeyCount);
        Assert.Null(runtime.QueryKey("b"));
        Assert.Null(runtime.QueryKey("c"));
        Assert.NotNull(runtime.QueryKey("a"));
        Assert.Empty(sink.ChangelogRecords);
        Assert.Equal(0, runtime.FlushChangelog(sink));
    }

    [Fact]
    public void Bytes_per_key_are_reported()
    {
        var definition = TestPipelines.Stocks(hidden: 32);
        var runtime = TestPipelines.Runtime(definition);
        runtime.Process(TestPipelines.StockRecords(1000, keys: 100), new RecordingSink());
        Assert.Equal(100, runtime.KeyCount);
        // LSTM H=32: 64 state floats (256 B) + statistics/previous/pending doubles + bookkeeping + key.
        Assert.InRange(runtime.BytesPerKey, 500, 800);
        Assert.InRange(runtime.StateBytes, 100 * 500, 128 * 900);
        Assert.Equal(104 + 256 + 8 * (12 + 3 + 3) + 4, runtime.ChangelogValueBytes); // 4 statistics × 3, 3 previous values, 1 pending prediction × 3
        var summary = runtime.QueryKey("S7")!;
        Assert.Equal(64, summary.HiddenState.Length);
        Assert.NotNull(summary.LastPredictionMean);
        Assert.NotNull(summary.LastPredictionStandardDeviation);
    }
}
