using StreamRnn.Core;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.State;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// Keeps the key state durable and bounded through the changelog: flushes changed keys, applies restored records and
/// snapshots, drops partitions, evicts idle keys with tombstones.
/// </summary>
internal sealed class KeyStateChangelog(KeyStateStore store, KeyStateCodec codec, MicroBatchPlan plan, TrainingWindowAssembler windows,
    StateKeyText keyText, RuntimeTally tally, PipelineMetrics? metrics, TimeProvider time, long idleTtlMs)
{
    private readonly KeyStateStore _store = store;
    private readonly KeyStateCodec _codec = codec;
    private readonly PipelineMetrics? _metrics = metrics;
    private readonly TimeProvider _time = time;
    private readonly long _idleTtlMs = idleTtlMs;

    /// <summary>
    /// Writes one changelog record per key changed since the last flush (coalesced: the key's latest state) to
    /// the key's partition. Call before committing offsets, and before <see cref="DropPartition"/> on revocation.
    /// </summary>
    public int Flush(IRecordSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var visitor = new ChangelogWriter(_store, _codec, sink);
        int written = _store.DrainDirty(ref visitor);
        tally.ChangelogRecords += written;

        // The windows completed so far become durable (and trainable) with the offsets about to be committed.
        windows.Trainer?.Checkpoint();
        return written;
    }

    private struct ChangelogWriter(KeyStateStore store, KeyStateCodec codec, IRecordSink sink) : ISlotVisitor
    {
        public readonly void Visit(int slot) =>
            sink.Changelog(store.Partition[slot], store.KeyBytes[slot], codec.Encode(slot));
    }

    /// <summary>
    /// Applies one changelog record read back from <paramref name="partition"/>'s changelog: an empty value
    /// deletes the key. A later record of a key overwrites an earlier one unless it claims an older applied input
    /// offset of the same partition than the state already held (a stale writer's record, e.g. from an instance that
    /// had lost the partition): then it is skipped and false is returned, so the newest applied offset always wins
    /// whatever order snapshot and changelog records come in. A record that cannot be used throws
    /// <see cref="StateFormatException"/> and changes nothing.
    /// </summary>
    public bool Restore(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var chars = keyText.Decode(key);
        int slot = _store.Find(chars);
        tally.Restored++;
        _metrics?.RestoredRecords.Inc();
        if (value.IsEmpty)
        {
            if (slot >= 0)
            {
                _codec.Extension?.Forget(_store.Keys[slot]!);
                _store.Remove(slot);
            }
        }
        else
        {
            _codec.Validate(value);
            if (slot >= 0 && _store.Partition[slot] == partition && KeyStateCodec.AppliedOffsetOf(value) < _store.LastOffset[slot])
            {
                return false;
            }

            ApplyRestored(partition, key, chars, value, slot);
        }

        tally.UpdateGauges(_store);
        return true;
    }

    private void ApplyRestored(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<char> chars, ReadOnlySpan<byte> value, int slot)
    {
        if (slot < 0)
        {
            if (_store.IsFull)
            {
                // No sink here: the evicted key keeps its changelog record and comes back on a later restore.
                _store.Remove(_store.LeastRecent);
                tally.EvictedCapacity++;
                _metrics?.EvictedCapacity.Inc();
            }

            slot = _store.Add(chars, key, partition, 0);
            plan.EnsureSlotCapacity(_store.Capacity);
        }

        _codec.Apply(value, slot);
        _store.Partition[slot] = partition;
        _store.Touch(slot, _store.LastSeen[slot]);
    }

    /// <summary>Forgets every key of a revoked or lost partition, without tombstones (flush first on revocation).</summary>
    public void DropPartition(int partition)
    {
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot) && _store.Partition[slot] == partition)
            {
                _codec.Extension?.Forget(_store.Keys[slot]!);
                _store.Remove(slot);
            }
        }

        tally.UpdateGauges(_store);
    }

    /// <summary>
    /// Removes keys not seen for longer than State:IdleTtl (by the <see cref="TimeProvider"/>'s wall time), each
    /// with a tombstone on the changelog. Walks from the least recently used key and stops at the first one
    /// still alive, so it costs O(evicted).
    /// </summary>
    public int EvictIdle(IRecordSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        long cutoff = _time.GetUtcNow().ToUnixTimeMilliseconds() - _idleTtlMs;
        int evicted = 0;
        for (int slot = _store.LeastRecent; slot >= 0 && _store.LastSeen[slot] < cutoff;)
        {
            int next = _store.Newer(slot);
            tally.Tombstone(sink, _store, slot);
            _store.Remove(slot);
            evicted++;
            slot = next;
        }

        tally.EvictedTtl += evicted;
        _metrics?.EvictedTtl.Inc(evicted);
        tally.UpdateGauges(_store);
        return evicted;
    }

    /// <summary>Replaces the keys of <paramref name="partition"/> with a checked snapshot's entries.</summary>
    public void ApplySnapshot(int partition, ReadOnlySpan<byte> data, List<(int KeyStart, int KeyLength, int ValueStart, int ValueLength)> entries)
    {
        DropPartition(partition);
        _store.EnsureCapacity(_store.Count + entries.Count);
        plan.EnsureSlotCapacity(_store.Capacity);

        foreach (var (keyStart, keyLength, valueStart, valueLength) in entries)
        {
            var key = data.Slice(keyStart, keyLength);
            var chars = keyText.Decode(key);
            ApplyRestored(partition, key, chars, data.Slice(valueStart, valueLength), _store.Find(chars));
        }

        tally.Restored += entries.Count;
        _metrics?.RestoredRecords.Inc(entries.Count);
        tally.UpdateGauges(_store);
    }
}
