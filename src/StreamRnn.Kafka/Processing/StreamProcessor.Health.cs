using Confluent.Kafka;

namespace StreamRnn.Kafka.Processing;

/// <summary>What the loop watches besides records: backpressure, consumer lag, client errors and the broker probe.</summary>
public sealed partial class StreamProcessor
{
    private void ApplyBackpressure()
    {
        var inFlight = tracker.InFlight;
        if (!paused && inFlight > options.MaxInFlightOutputs)
        {
            consumer!.Pause(consumer.Assignment);
            paused = true;
            BackpressurePauses++;
            metrics?.BackpressurePauses.Inc();
            ProcessorLog.Paused(logger, inFlight);
        }
        else if (paused && inFlight <= options.MaxInFlightOutputs / 2)
        {
            consumer!.Resume(consumer.Assignment.Where(p => !restoring.Contains(p)).ToList());
            paused = false;
        }

        if (paused)
        {
            producer!.Poll(FlushSlice);
        }
    }

    /// <summary>Times fetching was paused because outputs were not acknowledged fast enough.</summary>
    public long BackpressurePauses { get; private set; }

    private void UpdateLag()
    {
        if (metrics is null)
        {
            return;
        }

        foreach (var partition in owned)
        {
            var high = consumer!.GetWatermarkOffsets(partition).High;
            if (high == Offset.Unset)
            {
                continue;
            }

            var position = nextOffsets.TryGetValue(partition, out var next) ? next : committedOffsets.GetValueOrDefault(partition, 0);
            metrics.ConsumerLag.WithLabels(partition.Topic, partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
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

    private void OnClientError(Error error)
    {
        ProcessorLog.ClientError(logger, error.Reason, error.Code.ToString());
        if (error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport)
        {
            Status.SetBroker(false, error.Reason);
        }
    }

    private void ProbeBroker()
    {
        try
        {
            probeClient?.GetMetadata(TimeSpan.FromSeconds(2));
            Status.SetBroker(true, null);
        }
        catch (KafkaException e)
        {
            Status.SetBroker(false, e.Error.Reason);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }
}
