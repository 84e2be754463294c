using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Fetches up to <c>MaxPollRecords</c> records per pass into each pipeline's buffer (owned partitions only), then hands
/// every pipeline its batch, switching to a promoted champion between batches.
/// </summary>
internal sealed class RecordDispatcher(IConsumer<byte[], byte[]> consumer, Dictionary<string, PipelineBinding> byTopic,
    Dictionary<string, PipelineBinding> byName, PartitionOwnership ownership, PartitionPositions positions, CommitProtocol commit,
    ProcessorStatus status, int maxPollRecords, ILogger logger, CancellationToken stopping)
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);

    public int Poll()
    {
        int taken = 0;
        var wait = PollTimeout;
        while (taken < maxPollRecords && !stopping.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer.Consume(wait);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ProcessorLog.ConsumeError(logger, e.Error.Reason);
                break;
            }
            finally
            {
                // Partitions assigned during that call wait, paused, until their state is restored.
                ownership.PausePendingRestores();
            }

            if (result is null || result.Message is null)
            {
                break;
            }

            wait = TimeSpan.Zero;
            if (!byTopic.TryGetValue(result.Topic, out var binding))
            {
                continue;
            }

            if (!ownership.Owned.Contains(result.TopicPartition))
            {
                // Still restoring (fetched before the pause took effect: read again after it), or dropped after a fence.
                if (ownership.Restoring.Contains(result.TopicPartition))
                {
                    consumer.Seek(result.TopicPartitionOffset);
                }

                continue;
            }

            binding.Add(new InputRecord(
                result.Partition.Value,
                result.Offset.Value,
                result.Message.Timestamp.UnixTimestampMs,
                result.Message.Key ?? ReadOnlyMemory<byte>.Empty,
                result.Message.Value ?? ReadOnlyMemory<byte>.Empty));
            positions.Fetched(result.TopicPartition, result.Offset.Value);
            taken++;
        }

        return taken;
    }

    public void ProcessBuffers()
    {
        commit.BeforeProcessing();
        foreach (var binding in byName.Values)
        {
            if (binding.Count == 0)
            {
                continue;
            }

            if (binding.WeightSource?.Invoke() is { } champion && !ReferenceEquals(champion, binding.Runtime.Weights))
            {
                // A promoted version takes effect between batches, never inside one.
                binding.Runtime.Weights = champion;
            }

            binding.Runtime.Process(binding.Pending, binding.Sink!);
            status.AddProcessed(binding.Count);
            binding.Clear();
        }
    }
}
