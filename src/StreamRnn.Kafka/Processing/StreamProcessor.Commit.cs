using Confluent.Kafka;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// The commit protocol: at-least-once (outputs, membership probe, changelog, offsets) or exactly-once (one transaction
/// per commit interval), and the state writes that follow a confirmed commit (snapshots, eviction tombstones).
/// </summary>
public sealed partial class StreamProcessor
{
    /// <summary>
    /// One commit cycle. True when this instance was confirmed a member of the group's current generation and what it
    /// flushed is durable, so local snapshots of the owned partitions may be written; false when nothing was written.
    /// </summary>
    private bool Commit()
    {
        var now = time.GetTimestamp();
        lastCommit = now;
        var offsets = ChangedOffsets();
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            CommitTransaction(offsets);
            return true;
        }

        // (1) outputs first, (2) then the membership probe, (3) then the state that claims them, (4) then the offsets
        // that state covers.
        if (!WaitForOutputs())
        {
            return false;
        }

        var probe = GroupFencing.ProbeOffsets(owned, committedOffsets, firstOffsets);
        if (probe.Count == 0)
        {
            // Nothing consumed and nothing committed in this ownership: no key changed, nothing to write.
            return true;
        }

        if (!TryCommitOffsets(probe))
        {
            return false;
        }

        if (evictionDue && restoring.Count == 0)
        {
            EvictIdle();
            evictionDue = false;
        }

        var changed = 0;
        foreach (var binding in byName.Values)
        {
            changed += binding.Runtime.FlushChangelog(binding.Sink!);
        }

        if (changed > 0 && !WaitForOutputs())
        {
            return false;
        }

        ThrowIfDeliveryFailed();
        UpdateChangelogPositions();
        if (offsets.Count > 0)
        {
            if (!TryCommitOffsets(offsets))
            {
                return false;
            }

            foreach (var offset in offsets)
            {
                committedOffsets[offset.TopicPartition] = offset.Offset.Value;
            }
        }

        Status.AddCommit();
        return true;
    }

    /// <summary>
    /// Commits offsets, checked by the coordinator against this member's generation. A fence (unknown member,
    /// illegal generation, lost assignment) drops every partition before anything else is written.
    /// </summary>
    private bool TryCommitOffsets(List<TopicPartitionOffset> offsets)
    {
        try
        {
            consumer!.Commit(offsets);
            return true;
        }
        catch (KafkaException e) when (!e.Error.IsFatal)
        {
            if (GroupFencing.IsFenced(e.Error.Code))
            {
                OnFenced($"{e.Error.Reason} ({e.Error.Code})");
            }
            else
            {
                // E.g. a rebalance in progress: the offsets stay pending and go with the next commit, or the
                // partition's next owner processes those records again (their state is already durable).
                ProcessorLog.CommitDeferred(logger, e.Error.Reason);
            }

            return false;
        }
    }

    private void CommitTransaction(List<TopicPartitionOffset> offsets)
    {
        BeginTransactionIfNeeded();
        foreach (var binding in byName.Values)
        {
            binding.Runtime.FlushChangelog(binding.Sink!);
        }

        if (offsets.Count > 0)
        {
            producer!.SendOffsetsToTransaction(offsets, consumer!.ConsumerGroupMetadata, options.ShutdownTimeout);
        }

        producer!.CommitTransaction(options.ShutdownTimeout);
        transactionOpen = false;
        ThrowIfDeliveryFailed();
        UpdateChangelogPositions();
        foreach (var offset in offsets)
        {
            committedOffsets[offset.TopicPartition] = offset.Offset.Value;
        }

        Status.AddCommit();
    }

    private void BeginTransactionIfNeeded()
    {
        if (!transactionOpen)
        {
            producer!.BeginTransaction();
            transactionOpen = true;
        }
    }

    private List<TopicPartitionOffset> ChangedOffsets()
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, next) in nextOffsets)
        {
            if (owned.Contains(partition) && (!committedOffsets.TryGetValue(partition, out var committed) || committed != next))
            {
                offsets.Add(new TopicPartitionOffset(partition, new Offset(next)));
            }
        }

        return offsets;
    }

    /// <summary>Waits until every output produced so far is acknowledged. False if stopping cut the wait short.</summary>
    private bool WaitForOutputs()
    {
        var started = time.GetTimestamp();
        while (tracker.InFlight > 0)
        {
            producer!.Flush(FlushSlice);
            ThrowIfDeliveryFailed();
            if (stopping.IsCancellationRequested && time.GetElapsedTime(started) > options.ShutdownTimeout)
            {
                ProcessorLog.ShutdownIncomplete(logger, options.ShutdownTimeout.TotalSeconds);
                return false;
            }
        }

        return true;
    }

    private void UpdateChangelogPositions()
    {
        foreach (var partition in owned)
        {
            var binding = byTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            var end = tracker.ChangelogEnd(changelog);
            if (end > changelogPositions.GetValueOrDefault(changelog, 0))
            {
                changelogPositions[changelog] = end;
            }
        }
    }

    private void WriteSnapshots(IEnumerable<TopicPartition> partitions)
    {
        if (!snapshots.Enabled)
        {
            return;
        }

        foreach (var partition in partitions)
        {
            var binding = byTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            snapshots.Write(binding.Runtime, binding.Runtime.Definition.Name, partition.Partition.Value,
                changelogPositions.GetValueOrDefault(changelog, 0));
        }
    }

    private void EvictIdle()
    {
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            BeginTransactionIfNeeded();
        }

        foreach (var binding in byName.Values)
        {
            binding.Runtime.EvictIdle(binding.Sink!);
        }
    }
}
