using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Pauses fetching while more than <c>MaxInFlightOutputs</c> outputs wait for acknowledgement and resumes at half
/// that (partitions still restoring stay paused).
/// </summary>
internal sealed class Backpressure(IConsumer<byte[], byte[]> consumer, IProducer<byte[], byte[]> producer, OutputTracker tracker,
    int maxInFlightOutputs, StreamRnnMetrics? metrics, ILogger logger)
{
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);

    /// <summary>True while fetching is paused for backpressure.</summary>
    public bool Paused { get; private set; }

    /// <summary>Times fetching was paused because outputs were not acknowledged fast enough.</summary>
    public long Pauses { get; private set; }

    public void Apply(HashSet<TopicPartition> restoring)
    {
        long inFlight = tracker.InFlight;
        if (!Paused && inFlight > maxInFlightOutputs)
        {
            consumer.Pause(consumer.Assignment);
            Paused = true;
            Pauses++;
            metrics?.BackpressurePauses.Inc();
            ProcessorLog.Paused(logger, inFlight);
        }
        else if (Paused && inFlight <= maxInFlightOutputs / 2)
        {
            consumer.Resume(consumer.Assignment.Where(p => !restoring.Contains(p)).ToList());
            Paused = false;
        }

        if (Paused)
        {
            producer.Poll(FlushSlice);
        }
    }
}
