using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// The commit protocol of one delivery mode (<see cref="AtLeastOnceCommit"/>, <see cref="ExactlyOnceCommit"/>) and the
/// state writes that follow a confirmed commit: eviction tombstones and local snapshots.
/// </summary>
internal abstract class CommitProtocol
{
    private readonly CommitParts _parts;
    private long _lastCommit;

    protected CommitProtocol(CommitParts parts)
    {
        _parts = parts;
        _lastCommit = parts.Time.GetTimestamp();
    }

    protected StreamProcessorOptions Options => _parts.Options;

    protected TimeProvider Time => _parts.Time;

    protected IConsumer<byte[], byte[]> Consumer => _parts.Consumer;

    protected IProducer<byte[], byte[]> Producer => _parts.Producer;

    protected OutputTracker Tracker => _parts.Tracker;

    protected PartitionOwnership Ownership => _parts.Ownership;

    protected PartitionPositions Positions => _parts.Positions;

    protected Dictionary<string, PipelineBinding> ByName => _parts.ByName;

    protected ProcessorStatus Status => _parts.Status;

    protected ILogger Logger => _parts.Logger;

    public static CommitProtocol For(CommitParts parts, CancellationToken stopping) =>
        parts.Options.Delivery == DeliveryMode.ExactlyOnce ? new ExactlyOnceCommit(parts) : new AtLeastOnceCommit(parts, stopping);

    /// <summary>True when <c>CommitInterval</c> has passed since the last commit cycle.</summary>
    public bool IsDue(long now) => Time.GetElapsedTime(_lastCommit, now) >= Options.CommitInterval;

    /// <summary>
    /// One commit cycle. True when this instance was confirmed a member of the group's current generation and what it
    /// flushed is durable, so local snapshots of the owned partitions may be written; false when nothing was written.
    /// </summary>
    public bool Commit()
    {
        _lastCommit = Time.GetTimestamp();
        return CommitCycle(Positions.ChangedOffsets(Ownership.Owned));
    }

    /// <summary>Called before a batch is processed (its outputs may have to join a transaction).</summary>
    public virtual void BeforeProcessing()
    {
    }

    /// <summary>The eviction interval passed: idle keys are evicted (their tombstones written) when this mode allows.</summary>
    public abstract void OnEvictionDue();

    public void WriteSnapshots(IEnumerable<TopicPartition> partitions)
    {
        if (!_parts.Snapshots.Enabled)
        {
            return;
        }

        foreach (var partition in partitions)
        {
            var binding = _parts.ByTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            _parts.Snapshots.Write(binding.Runtime, binding.Runtime.Definition.Name, partition.Partition.Value,
                Positions.ChangelogPosition(changelog));
        }
    }

    protected abstract bool CommitCycle(List<TopicPartitionOffset> offsets);

    /// <summary>Writes one changelog record per changed key of every pipeline; returns how many.</summary>
    protected int FlushChangelogs()
    {
        int changed = 0;
        foreach (var binding in ByName.Values)
        {
            changed += binding.Runtime.FlushChangelog(binding.Sink!);
        }

        return changed;
    }

    protected void EvictIdleKeys()
    {
        foreach (var binding in ByName.Values)
        {
            binding.Runtime.EvictIdle(binding.Sink!);
        }
    }

    protected void UpdateChangelogPositions()
    {
        foreach (var partition in Ownership.Owned)
        {
            var binding = _parts.ByTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            Positions.Advance(changelog, Tracker.ChangelogEnd(changelog));
        }
    }
}

/// <summary>What every commit protocol works with: the processor's clients, its partition bookkeeping and its pipelines.</summary>
internal sealed record CommitParts(StreamProcessorOptions Options, TimeProvider Time, IConsumer<byte[], byte[]> Consumer,
    IProducer<byte[], byte[]> Producer, OutputTracker Tracker, PartitionOwnership Ownership, PartitionPositions Positions,
    Dictionary<string, PipelineBinding> ByTopic, Dictionary<string, PipelineBinding> ByName, PartitionSnapshotStore Snapshots,
    ProcessorStatus Status, ILogger Logger);
