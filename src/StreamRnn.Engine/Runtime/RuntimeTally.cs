using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// What a <see cref="PipelineRuntime"/> has done (the source of <see cref="PipelineCounters"/>) and its key gauges;
/// dead letters and tombstones are sent through here so that each is counted as it goes out. Owned by the runtime's
/// thread.
/// </summary>
internal sealed class RuntimeTally(PipelineMetrics? metrics)
{
    public long Consumed;
    public long Applied;
    public long Predictions;
    public long DeadLetters;
    public long Duplicates;
    public long Late;
    public long SkippedLate;
    public long EvictedTtl;
    public long EvictedCapacity;
    public long Restored;
    public long ChangelogRecords;

    public PipelineCounters Counters => new(Consumed, Applied, Predictions, DeadLetters, Duplicates, Late,
        SkippedLate, EvictedTtl, EvictedCapacity, Restored, ChangelogRecords);

    public void DeadLetter(IRecordSink sink, in InputRecord record, DeadLetterReason reason, string detail)
    {
        DeadLetters++;
        metrics?.DeadLetters(reason).Inc();
        sink.DeadLetter(record, reason, detail);
    }

    public void Tombstone(IRecordSink sink, KeyStateStore store, int slot)
    {
        sink.Changelog(store.Partition[slot], store.KeyBytes[slot], ReadOnlySpan<byte>.Empty);
        ChangelogRecords++;
    }

    public void UpdateGauges(KeyStateStore store)
    {
        if (metrics is not null)
        {
            metrics.Keys.Set(store.Count);
            metrics.StateBytes.Set(store.Bytes);
        }
    }
}
