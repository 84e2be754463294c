using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A stale writer (an instance that lost a partition while paused) can leave changelog records that claim an older
/// applied input offset after newer ones: restore keeps, per key, the state with the newest applied offset,
/// whatever order the records come in, so a zombie's late write never rolls a key back.
/// </summary>
[Trait("Category", "Unit")]
public sealed class StaleRestoreTests
{
    [Fact]
    public void A_record_with_an_older_applied_offset_never_replaces_a_newer_one()
    {
        var definition = TestPipelines.Stocks();
        var records = TestPipelines.StockRecords(60, keys: 1, seed: 5, partitions: 1);
        var writer = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        writer.Process(records.AsSpan(0, 30), sink);
        writer.FlushChangelog(sink);
        writer.Process(records.AsSpan(30, 30), sink);
        writer.FlushChangelog(sink);
        Assert.Equal(2, sink.ChangelogRecords.Count);
        var (partition, key, older) = sink.ChangelogRecords[0];
        byte[] newer = sink.ChangelogRecords[1].Value;

        // Log order: newer state, then the stale writer's older one.
        var restored = TestPipelines.Runtime(definition);
        Assert.True(restored.Restore(partition, key, newer));
        Assert.False(restored.Restore(partition, key, older));
        StateAssert.BitIdentical(writer, restored);
        Assert.Equal(records[59].Offset, restored.QueryKey("S0")!.LastAppliedOffset);

        // And in the usual order the newer one still wins.
        var inOrder = TestPipelines.Runtime(definition);
        Assert.True(inOrder.Restore(partition, key, older));
        Assert.True(inOrder.Restore(partition, key, newer));
        StateAssert.BitIdentical(writer, inOrder);
    }
}
