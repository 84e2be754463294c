using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Which input partitions this instance owns: assignment, incremental restore (paused until restored), loss and
/// fencing. Owned by the loop thread; revocation, which also commits, is the <see cref="StreamProcessor"/>'s.
/// </summary>
internal sealed class PartitionOwnership(IConsumer<byte[], byte[]> consumer, ChangelogRestorer restorer,
    Dictionary<string, PipelineBinding> byTopic, Dictionary<string, PipelineBinding> byName, PartitionPositions positions,
    Backpressure backpressure, LagReporter lag, ProcessorStatus status, StreamRnnMetrics? metrics, ILogger logger)
{
    private static readonly TimeSpan RestoreSlice = TimeSpan.FromMilliseconds(50);
    private const int RestoreSliceRecords = 50_000;

    private readonly List<TopicPartition> _toPause = [];

    /// <summary>Partitions restored and being processed.</summary>
    public HashSet<TopicPartition> Owned { get; } = [];

    /// <summary>Partitions assigned and still restoring (paused).</summary>
    public HashSet<TopicPartition> Restoring { get; } = [];

    /// <summary>
    /// Starts restoring newly assigned partitions and returns at once: the loop keeps polling (so the group sees a live
    /// member) while <see cref="StepRestores"/> reads their changelogs; they are paused until restored.
    /// </summary>
    public void OnAssigned(List<TopicPartition> partitions)
    {
        ProcessorLog.Assigned(logger, string.Join(", ", partitions));
        var requests = new List<ChangelogRestorer.Request>();
        foreach (var partition in partitions)
        {
            if (Owned.Contains(partition) || Restoring.Contains(partition) || !byTopic.TryGetValue(partition.Topic, out var binding))
            {
                continue;
            }

            requests.Add(new ChangelogRestorer.Request(binding.Runtime, binding.Runtime.Definition, partition.Partition.Value));
            Restoring.Add(partition);
            _toPause.Add(partition);
        }

        foreach (var outcome in restorer.Begin(requests))
        {
            CompleteRestore(outcome);
        }

        foreach (var partition in Restoring)
        {
            var binding = byTopic[partition.Topic];
            if (restorer.ProgressOf(binding.Runtime.Definition, partition.Partition.Value) is { } progress)
            {
                ProcessorLog.RestoreStarted(logger, binding.Runtime.Definition.Name, partition.Partition.Value, progress.End);
            }
        }

        status.Joined = true;
        PublishRestoreStatus();
    }

    /// <summary>Pauses partitions assigned during the last consumer call (pausing inside the callback is too early).</summary>
    public void PausePendingRestores()
    {
        if (_toPause.Count == 0)
        {
            return;
        }

        var assigned = consumer.Assignment.ToHashSet();
        var pausable = _toPause.Where(p => Restoring.Contains(p) && assigned.Contains(p)).ToList();
        if (pausable.Count > 0)
        {
            consumer.Pause(pausable);
        }

        _toPause.Clear();
    }

    /// <summary>Advances the restores under way by one time slice and resumes the partitions that finished.</summary>
    public void StepRestores()
    {
        if (Restoring.Count == 0)
        {
            return;
        }

        foreach (var outcome in restorer.Step(RestoreSlice, RestoreSliceRecords))
        {
            CompleteRestore(outcome);
        }

        PublishRestoreStatus();
    }

    /// <summary>Stops restoring partitions that were revoked or lost (or at shutdown) and drops what was loaded.</summary>
    public void CancelRestores(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            if (Restoring.Remove(partition) && byTopic.TryGetValue(partition.Topic, out var binding))
            {
                restorer.Cancel(binding.Runtime.Definition, partition.Partition.Value);
                binding.Runtime.DropPartition(partition.Partition.Value);
            }
        }

        PublishRestoreStatus();
    }

    public void OnLost(List<TopicPartitionOffset> partitions)
    {
        ProcessorLog.Lost(logger, string.Join(", ", partitions.Select(p => p.TopicPartition)));
        var lost = partitions.Select(p => p.TopicPartition).ToList();
        CancelRestores(lost);
        DropFetched(lost);
        Forget(lost);
    }

    /// <summary>
    /// A commit found this instance out of the group's current generation: every partition it believed it owned may
    /// have a new owner already. Drop their fetched records and unflushed state before anything else is written;
    /// the consumer reports the loss and rejoins at the next poll, and restores whatever it is assigned again.
    /// </summary>
    public void OnFenced(string reason)
    {
        var all = Owned.Concat(Restoring).ToList();
        ProcessorLog.Fenced(logger, reason, string.Join(", ", all));
        metrics?.Fenced.Inc();
        status.AddFence();

        // Where each partition's durable state ends: processing resumes there if the partition turns out to be ours.
        var resumeAt = positions.ProbeOffsets(Owned);
        CancelRestores([.. Restoring]);
        DropFetched(all);
        Forget(all);

        // The consumer normally reports the loss at the next poll and rejoins (then the partitions are assigned afresh).
        // Should it keep a partition instead, the partition is restored again from its changelog and read again from
        // its last commit, so its keys never continue from dropped state.
        var stillAssigned = consumer.Assignment.Where(all.Contains).ToList();
        if (stillAssigned.Count > 0)
        {
            OnAssigned(stillAssigned);
            PausePendingRestores();
            foreach (var offset in resumeAt.Where(o => stillAssigned.Contains(o.TopicPartition)))
            {
                consumer.Seek(offset);
            }
        }
    }

    /// <summary>Drops the partitions' keys and offsets: they are no longer this instance's.</summary>
    public void Forget(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            if (byTopic.TryGetValue(partition.Topic, out var binding))
            {
                binding.Runtime.DropPartition(partition.Partition.Value);
            }

            Owned.Remove(partition);
            positions.Forget(partition);
            lag.Forget(partition);
        }

        status.AssignedPartitions = Owned.Count;
    }

    private void CompleteRestore(ChangelogRestorer.Outcome outcome)
    {
        var definition = outcome.Request.Pipeline;
        int partitionNumber = outcome.Request.Partition;
        var inputPartition = new TopicPartition(definition.InputTopic, new Partition(partitionNumber));
        var pipelineMetrics = byName[definition.Name].Metrics;
        if (outcome.SnapshotProblem is { } problem)
        {
            if (outcome.SnapshotQuarantined)
            {
                ProcessorLog.SnapshotQuarantined(logger, definition.Name, partitionNumber, problem);
                metrics?.StateQuarantined.WithLabels(definition.Name, "snapshot").Inc();
            }
            else
            {
                ProcessorLog.SnapshotNotUsed(logger, problem);
            }
        }

        if (outcome.QuarantinedRecords > 0)
        {
            metrics?.StateQuarantined.WithLabels(definition.Name, "changelog_record").Inc(outcome.QuarantinedRecords);
        }

        if (outcome.StaleRecords > 0)
        {
            ProcessorLog.StaleRecordsSkipped(logger, definition.Name, partitionNumber, outcome.StaleRecords);
            metrics?.RestoreStaleRecords.WithLabels(definition.Name).Inc(outcome.StaleRecords);
        }

        Restoring.Remove(inputPartition);
        Owned.Add(inputPartition);
        positions.Restored(new TopicPartition(definition.ChangelogTopic, inputPartition.Partition), outcome.ChangelogEnd);
        if (pipelineMetrics is not null)
        {
            pipelineMetrics.Restores.Inc();
            pipelineMetrics.RestoredRecords.Inc(outcome.RecordsReplayed);
            pipelineMetrics.RestoreDuration.Observe(outcome.Duration.TotalSeconds);
        }

        ProcessorLog.Restored(logger, definition.Name, partitionNumber, outcome.RecordsReplayed,
            outcome.FromSnapshot ? " after a local snapshot" : "", outcome.Request.Runtime.KeyCountOf(outcome.Request.Partition),
            (long)outcome.Duration.TotalMilliseconds);
        if (!backpressure.Paused && consumer.Assignment.Contains(inputPartition))
        {
            consumer.Resume([inputPartition]);
        }

        status.AssignedPartitions = Owned.Count;
    }

    /// <summary>Mirrors the restores under way onto the status (per-partition readiness) and the gauges.</summary>
    private void PublishRestoreStatus()
    {
        status.Restoring = Restoring.Count > 0;
        status.RestoringPartitions = Restoring.Count == 0
            ? ""
            : string.Join(", ", Restoring.OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition.Value).Select(p =>
            {
                var definition = byTopic[p.Topic].Runtime.Definition;
                var progress = restorer.ProgressOf(definition, p.Partition.Value);
                return progress is { } x
                    ? string.Create(CultureInfo.InvariantCulture, $"{p.Topic}[{p.Partition.Value}] ({x.Replayed} records read, changelog end {x.End})")
                    : $"{p.Topic}[{p.Partition.Value}]";
            }));
        if (metrics is not null)
        {
            foreach (var binding in byName.Values)
            {
                string topic = binding.Runtime.Definition.InputTopic;
                metrics.PartitionsRestoring.WithLabels(binding.Runtime.Definition.Name).Set(Restoring.Count(p => p.Topic == topic));
            }
        }
    }

    private void DropFetched(List<TopicPartition> partitions)
    {
        foreach (var binding in byName.Values)
        {
            binding.RemovePartitions(partitions);
        }
    }
}
