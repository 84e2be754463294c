using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.State;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Rebuilds the key states of newly assigned partitions before any of their input is processed: the local
/// snapshot when valid, then the changelog partition from the snapshot's offset to its end, newest applied offset
/// per key winning (on real Kafka the topic is compacted; the embedded broker does not compact, so this reads
/// everything).
/// </summary>
/// <remarks>
/// <para>One consumer without a group serves all restores; it is assigned the changelog partitions explicitly and
/// never commits. Changelog partition n holds the keys of input partition n.</para>
/// <para>Incremental: <see cref="Begin"/> starts restores and <see cref="Step"/> advances them within a time budget,
/// so the consumer loop keeps polling (and its group membership alive) while a large changelog is read.</para>
/// <para>Poison-proof: a changelog record that cannot be used (bad key, corrupt or foreign value) is quarantined —
/// skipped, logged once with its partition and offset, counted — and the key keeps its previous good state (or starts
/// from zero); a corrupt snapshot is set aside and the changelog restores everything. Neither is fatal.</para>
/// </remarks>
public sealed class ChangelogRestorer : IDisposable
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly PartitionSnapshotStore _snapshots;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, Progress> _active = [];

    public ChangelogRestorer(ConsumerConfig baseConfig, PartitionSnapshotStore snapshots, ILogger logger)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(baseConfig))
        {
            GroupId = baseConfig.GroupId + ".restore",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = false,
            FetchWaitMaxMs = 10,
        };
        _consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .Build();
        _snapshots = snapshots;
        _logger = logger;
    }

    /// <summary>One partition to restore: its pipeline runtime and partition number.</summary>
    public readonly record struct Request(PipelineRuntime Runtime, PipelineDefinition Pipeline, int Partition);

    /// <summary>What a restore did for one partition.</summary>
    /// <param name="StaleRecords">Records skipped because the key already held a newer applied offset.</param>
    /// <param name="QuarantinedRecords">Unusable changelog records skipped.</param>
    /// <param name="SnapshotQuarantined">True when a corrupt local snapshot was set aside.</param>
    public readonly record struct Outcome(Request Request, long RecordsReplayed, long ChangelogEnd, bool FromSnapshot, string? SnapshotProblem,
        long StaleRecords = 0, long QuarantinedRecords = 0, bool SnapshotQuarantined = false, TimeSpan Duration = default);

    /// <summary>Partitions whose restore has begun and not finished.</summary>
    public int Pending => _active.Count;

    /// <summary>Restores every requested partition to the end, blocking; returns per partition what was read.</summary>
    public IReadOnlyList<Outcome> Restore(IReadOnlyList<Request> requests, CancellationToken cancellation)
    {
        var outcomes = new List<Outcome>(Begin(requests));
        while (Pending > 0)
        {
            cancellation.ThrowIfCancellationRequested();
            outcomes.AddRange(Step(TimeSpan.FromMilliseconds(200), int.MaxValue));
        }

        return outcomes;
    }

    /// <summary>
    /// Loads each partition's snapshot and starts reading its changelog from there. Returns the outcomes of the
    /// partitions already complete (nothing to read); the others finish in later <see cref="Step"/> calls.
    /// </summary>
    public IReadOnlyList<Outcome> Begin(IReadOnlyList<Request> requests)
    {
        var finished = new List<Outcome>();
        var assignment = new List<TopicPartitionOffset>();
        foreach (var request in requests)
        {
            long started = Stopwatch.GetTimestamp();
            var changelog = ChangelogOf(request);
            var watermarks = _consumer.QueryWatermarkOffsets(changelog, QueryTimeout);
            long end = watermarks.High.Value;
            long start = _snapshots.TryLoad(request.Runtime, request.Pipeline.Name, request.Partition, end, out string? problem, out bool corrupt);
            start = Math.Max(start, watermarks.Low.Value);
            var progress = new Progress(request, end, started)
            {
                FromSnapshot = start > 0 && problem is null,
                SnapshotProblem = problem,
                SnapshotQuarantined = corrupt,
            };
            if (start < end && !_active.ContainsKey(changelog))
            {
                _active[changelog] = progress;
                assignment.Add(new TopicPartitionOffset(changelog, new Offset(start)));
            }
            else
            {
                finished.Add(progress.ToOutcome());
            }
        }

        if (assignment.Count > 0)
        {
            _consumer.IncrementalAssign(assignment);
        }

        return finished;
    }

    /// <summary>
    /// Applies changelog records for at most <paramref name="budget"/> (or <paramref name="maxRecords"/> records) and
    /// returns the outcomes of the partitions that reached their changelog end.
    /// </summary>
    public IReadOnlyList<Outcome> Step(TimeSpan budget, int maxRecords)
    {
        if (_active.Count == 0)
        {
            return [];
        }

        var finished = new List<Outcome>();
        long started = Stopwatch.GetTimestamp();
        var wait = TimeSpan.FromMilliseconds(Math.Min(50, Math.Max(1, budget.TotalMilliseconds)));
        for (int applied = 0; applied < maxRecords && _active.Count > 0;)
        {
            var result = _consumer.Consume(wait);
            if (result is null || result.Message is null)
            {
                // Transaction markers occupy offsets but are never delivered: the position tells.
                Finish(FinishedByPosition(), finished);
                wait = TimeSpan.FromMilliseconds(10);
                if (Stopwatch.GetElapsedTime(started) >= budget)
                {
                    break;
                }

                continue;
            }

            wait = TimeSpan.Zero;
            applied++;
            if (!_active.TryGetValue(result.TopicPartition, out var progress))
            {
                continue;
            }

            if (result.Offset.Value >= progress.End)
            {
                // Written after the restore began: the restore is defined as the log up to its end then.
                Finish([result.TopicPartition], finished);
                continue;
            }

            Apply(progress, result);
            if (result.Offset.Value + 1 >= progress.End)
            {
                Finish([result.TopicPartition], finished);
            }

            if (Stopwatch.GetElapsedTime(started) >= budget)
            {
                break;
            }
        }

        return finished;
    }

    /// <summary>Stops restoring the partitions of <paramref name="pipeline"/>'s input partition (revoked or lost).</summary>
    public bool Cancel(PipelineDefinition pipeline, int partition)
    {
        var changelog = new TopicPartition(pipeline.ChangelogTopic, new Partition(partition));
        if (!_active.Remove(changelog))
        {
            return false;
        }

        _consumer.IncrementalUnassign([changelog]);
        return true;
    }

    /// <summary>Records replayed so far and records to read in total for a partition under restore, or null.</summary>
    public (long Replayed, long End)? ProgressOf(PipelineDefinition pipeline, int partition)
        => _active.TryGetValue(new TopicPartition(pipeline.ChangelogTopic, new Partition(partition)), out var progress)
            ? (progress.Replayed, progress.End)
            : null;

    private void Apply(Progress progress, ConsumeResult<byte[], byte[]> result)
    {
        var request = progress.Request;
        try
        {
            if (!request.Runtime.Restore(request.Partition, result.Message.Key, result.Message.Value))
            {
                progress.Stale++;
            }

            progress.Replayed++;
        }
        catch (StateFormatException e)
        {
            progress.Quarantined++;
            ProcessorLog.ChangelogRecordQuarantined(_logger, request.Pipeline.Name, result.Topic, result.Partition.Value, result.Offset.Value,
                e.Message);
        }
    }

    private List<TopicPartition> FinishedByPosition()
    {
        var done = new List<TopicPartition>();
        foreach (var (partition, progress) in _active)
        {
            var position = _consumer.Position(partition);
            if (position != Offset.Unset && position.Value >= progress.End)
            {
                done.Add(partition);
            }
        }

        return done;
    }

    private void Finish(List<TopicPartition> partitions, List<Outcome> finished)
    {
        if (partitions.Count == 0)
        {
            return;
        }

        foreach (var partition in partitions)
        {
            if (_active.Remove(partition, out var progress))
            {
                finished.Add(progress.ToOutcome());
            }
        }

        _consumer.IncrementalUnassign(partitions);
    }

    private static TopicPartition ChangelogOf(Request request)
        => new(request.Pipeline.ChangelogTopic, new Partition(request.Partition));

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }

    private sealed class Progress(Request request, long end, long started)
    {
        public Request Request { get; } = request;

        public long End { get; } = end;

        public long Replayed { get; set; }

        public long Stale { get; set; }

        public long Quarantined { get; set; }

        public bool FromSnapshot { get; init; }

        public string? SnapshotProblem { get; init; }

        public bool SnapshotQuarantined { get; init; }

        public Outcome ToOutcome() => new(Request, Replayed, End, FromSnapshot, SnapshotProblem, Stale, Quarantined, SnapshotQuarantined,
            Stopwatch.GetElapsedTime(started));
    }
}
