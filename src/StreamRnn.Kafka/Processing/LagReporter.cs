using System.Globalization;
using Confluent.Kafka;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Reports, every couple of seconds, each owned partition's consumer lag and each pipeline's key count and state size
/// on the gauges, and drops a partition's lag series when it is no longer owned.
/// </summary>
internal sealed class LagReporter(IConsumer<byte[], byte[]> consumer, PartitionPositions positions,
    Dictionary<string, PipelineBinding> byName, StreamRnnMetrics? metrics, TimeProvider time)
{
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(2);

    private long _lastLagUpdate;

    public void ReportIfDue(long now, HashSet<TopicPartition> owned)
    {
        if (time.GetElapsedTime(_lastLagUpdate, now) >= LagInterval)
        {
            UpdateLag(owned);
            _lastLagUpdate = now;
        }
    }

    /// <summary>The partition's lag is its new owner's to report now.</summary>
    public void Forget(TopicPartition partition) =>
        metrics?.ConsumerLag.RemoveLabelled(partition.Topic, partition.Partition.Value.ToString(CultureInfo.InvariantCulture));

    private void UpdateLag(HashSet<TopicPartition> owned)
    {
        if (metrics is null)
        {
            return;
        }

        foreach (var partition in owned)
        {
            var high = consumer.GetWatermarkOffsets(partition).High;
            if (high == Offset.Unset)
            {
                continue;
            }

            long position = positions.Position(partition);
            metrics.ConsumerLag.WithLabels(partition.Topic, partition.Partition.Value.ToString(CultureInfo.InvariantCulture))
                .Set(Math.Max(0, high.Value - position));
        }

        foreach (var binding in byName.Values)
        {
            if (binding.Metrics is { } pipelineMetrics)
            {
                pipelineMetrics.Keys.Set(binding.Runtime.KeyCount);
                pipelineMetrics.StateBytes.Set(binding.Runtime.StateBytes);
            }
        }
    }
}
