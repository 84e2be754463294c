using Confluent.Kafka;
using StreamRnn.Engine;

namespace StreamRnn.Kafka.Processing;

/// <summary>Fetching: up to MaxPollRecords records per pass into each pipeline's buffer, then one processing pass.</summary>
public sealed partial class StreamProcessor
{
    private int Poll()
    {
        var taken = 0;
        var wait = PollTimeout;
        while (taken < options.MaxPollRecords && !stopping.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer!.Consume(wait);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ProcessorLog.ConsumeError(logger, e.Error.Reason);
                break;
            }
            finally
            {
                // Partitions assigned during that call wait, paused, until their state is restored.
                PausePendingRestores();
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

            if (!owned.Contains(result.TopicPartition))
            {
                // Still restoring (fetched before the pause took effect: read again after it), or dropped after a fence.
                if (restoring.Contains(result.TopicPartition))
                {
                    consumer.Seek(result.TopicPartitionOffset);
                }

                continue;
            }

            firstOffsets.TryAdd(result.TopicPartition, result.Offset.Value);

            binding.Add(new InputRecord(
                result.Partition.Value,
                result.Offset.Value,
                result.Message.Timestamp.UnixTimestampMs,
                result.Message.Key ?? ReadOnlyMemory<byte>.Empty,
                result.Message.Value ?? ReadOnlyMemory<byte>.Empty));
            nextOffsets[result.TopicPartition] = result.Offset.Value + 1;
            taken++;
        }

        return taken;
    }

    private void ProcessBuffers()
    {
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            BeginTransactionIfNeeded();
        }

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
            Status.AddProcessed(binding.Count);
            binding.Clear();
        }
    }
}
