using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// The commit protocol of one delivery mode (<see cref="AtLeastOnceCommit"/>, <see cref="ExactlyOnceCommit"/>) and the
/// state writes that follow a confirmed commit: eviction tombstones and local snapshots.
/// </summary>
internal abstract class CommitProtocol
{
    private readonly TimeProvider time;
    private readonly Dictionary<string, PipelineBinding> byTopic;
    private readonly PartitionSnapshotStore snapshots;
    private long lastCommit;

    protected CommitProtocol(StreamProcessorOptions options, TimeProvider time, IConsumer<byte[], byte[]> consumer,
        IProducer<byte[], byte[]> producer, OutputTracker tracker, PartitionOwnership ownership, PartitionPositions positions,
        Dictionary<string, PipelineBinding> byTopic, Dictionary<string, PipelineBinding> byName, PartitionSnapshotStore snapshots,
        ProcessorStatus status, ILogger logger)
    {
        Options = options;
        this.time = time;
        Consumer = consumer;
        Producer = producer;
        Tracker = tracker;
        Ownership = ownership;
        Positions = positions;
        this.byTopic = byTopic;
        ByName = byName;
        this.snapshots = snapshots;
        Status = status;
        Logger = logger;
        lastCommit = time.GetTimestamp();
    }

    protected StreamProcessorOptions Options { get; }

    protected TimeProvider Time => time;

    protected IConsumer<byte[], byte[]> Consumer { get; }

    protected IProducer<byte[], byte[]> Producer { get; }

    protected OutputTracker Tracker { get; }

    protected PartitionOwnership Ownership { get; }

    protected PartitionPositions Positions { get; }

    protected Dictionary<string, PipelineBinding> ByName { get; }

    protected ProcessorStatus Status { get; }

    protected ILogger Logger { get; }

    public static CommitProtocol For(StreamProcessorOptions options, TimeProvider time, IConsumer<byte[], byte[]> consumer,
        IProducer<byte[], byte[]> producer, OutputTracker tracker, PartitionOwnership ownership, PartitionPositions positions,
        Dictionary<string, PipelineBinding> byTopic, Dictionary<string, PipelineBinding> byName, PartitionSnapshotStore snapshots,
        ProcessorStatus status, ILogger logger, CancellationToken stopping) =>
        options.Delivery == DeliveryMode.ExactlyOnce
            ? new ExactlyOnceCommit(options, time, consumer, producer, tracker, ownership, positions, byTopic, byName, snapshots, status, logger)
            : new AtLeastOnceCommit(options, time, consumer, producer, tracker, ownership, positions, byTopic, byName, snapshots, status, logger,
                stopping);

    /// <summary>True when <c>CommitInterval</c> has passed since the last commit cycle.</summary>
    public bool IsDue(long now) => time.GetElapsedTime(lastCommit, now) >= Options.CommitInterval;

    /// <summary>
    /// One commit cycle. True when this instance was confirmed a member of the group's current generation and what it
    /// flushed is durable, so local snapshots of the owned partitions may be written; false when nothing was written.
    /// </summary>
    public bool Commit()
    {
        lastCommit = time.GetTimestamp();
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
        if (!snapshots.Enabled)
        {
            return;
        }

        foreach (var partition in partitions)
        {
            var binding = byTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            snapshots.Write(binding.Runtime, binding.Runtime.Definition.Name, partition.Partition.Value,
                Positions.ChangelogPosition(changelog));
        }
    }

    protected abstract bool CommitCycle(List<TopicPartitionOffset> offsets);

    /// <summary>Writes one changelog record per changed key of every pipeline; returns how many.</summary>
    protected int FlushChangelogs()
    {
        var changed = 0;
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
            var binding = byTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            Positions.Advance(changelog, Tracker.ChangelogEnd(changelog));
        }
    }
}
