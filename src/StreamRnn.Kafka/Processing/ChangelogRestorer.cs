using Confluent.Kafka;
using StreamRnn.Engine;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Rebuilds the key states of newly assigned partitions before any of their input is processed: the local
/// snapshot when valid, then the changelog partition from the snapshot's offset to its end, last record per key
/// winning (on real Kafka the topic is compacted; the embedded broker does not compact, so this reads everything).
/// </summary>
/// <remarks>
/// One consumer without a group serves all restores; it is assigned the changelog partitions explicitly and never
/// commits. Changelog partition n holds the keys of input partition n.
/// </remarks>
public sealed class ChangelogRestorer : IDisposable
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);
    private readonly IConsumer<byte[], byte[]> consumer;
    private readonly PartitionSnapshotStore snapshots;

    public ChangelogRestorer(ConsumerConfig baseConfig, PartitionSnapshotStore snapshots, Microsoft.Extensions.Logging.ILogger logger)
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
        consumer = new ConsumerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .Build();
        this.snapshots = snapshots;
    }

    /// <summary>One partition to restore: its pipeline runtime and partition number.</summary>
    public readonly record struct Request(PipelineRuntime Runtime, PipelineDefinition Pipeline, int Partition);

    /// <summary>What a restore did for one partition.</summary>
    public readonly record struct Outcome(Request Request, long RecordsReplayed, long ChangelogEnd, bool FromSnapshot, string? SnapshotProblem);

    /// <summary>Restores every requested partition; returns per partition what was read.</summary>
    public IReadOnlyList<Outcome> Restore(IReadOnlyList<Request> requests, CancellationToken cancellation)
    {
        var outcomes = new List<Outcome>(requests.Count);
        var assignment = new List<TopicPartitionOffset>(requests.Count);
        var pending = new Dictionary<TopicPartition, (int Index, long End)>();
        var replayed = new long[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var changelog = new TopicPartition(request.Pipeline.ChangelogTopic, new Partition(request.Partition));
            var watermarks = consumer.QueryWatermarkOffsets(changelog, QueryTimeout);
            var end = watermarks.High.Value;
            var start = snapshots.TryLoad(request.Runtime, request.Pipeline.Name, request.Partition, end, out var problem);
            start = Math.Max(start, watermarks.Low.Value);
            outcomes.Add(new Outcome(request, 0, end, start > 0 && problem is null, problem));
            if (start < end)
            {
                assignment.Add(new TopicPartitionOffset(changelog, new Offset(start)));
                pending[changelog] = (i, end);
            }
        }

        if (assignment.Count > 0)
        {
            consumer.Assign(assignment);
            try
            {
                while (pending.Count > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                    if (result is null)
                    {
                        // Transaction markers occupy offsets but are never delivered: the position tells.
                        RemoveFinished(pending);
                        continue;
                    }

                    if (!pending.TryGetValue(result.TopicPartition, out var target))
                    {
                        continue;
                    }

                    var request = requests[target.Index];
                    request.Runtime.Restore(request.Partition, result.Message.Key, result.Message.Value);
                    replayed[target.Index]++;
                    if (result.Offset.Value + 1 >= target.End)
                    {
                        pending.Remove(result.TopicPartition);
                    }
                }
            }
            finally
            {
                consumer.Unassign();
            }
        }

        for (var i = 0; i < outcomes.Count; i++)
        {
            outcomes[i] = outcomes[i] with { RecordsReplayed = replayed[i] };
        }

        return outcomes;
    }

    private void RemoveFinished(Dictionary<TopicPartition, (int Index, long End)> pending)
    {
        foreach (var (partition, target) in pending.ToArray())
        {
            if (consumer.Position(partition).Value >= target.End)
            {
                pending.Remove(partition);
            }
        }
    }

    public void Dispose()
    {
        consumer.Close();
        consumer.Dispose();
    }
}
