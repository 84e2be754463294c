using Confluent.Kafka;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Counts outputs handed to the producer and not yet acknowledged, remembers the first delivery failure, and
/// records the offset of every acknowledged changelog record (a partition snapshot names the changelog offset it
/// covers). Delivery reports arrive on librdkafka's thread; the consumer thread reads.
/// </summary>
public sealed class OutputTracker(StreamRnnMetrics? metrics = null)
{
    private long _inFlight;
    private volatile string? _firstFailure;
    private readonly Lock _changelogLock = new();
    private readonly Dictionary<TopicPartition, long> _changelogEnd = [];

    /// <summary>Outputs produced and not yet acknowledged (or failed).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>The first delivery failure since start, or null. At-least-once never commits past one.</summary>
    public string? FirstFailure => _firstFailure;

    /// <summary>Stops the caller at the first delivery failure: nothing after it may be committed.</summary>
    public void ThrowIfFailed()
    {
        if (_firstFailure is { } failure)
        {
            throw new InvalidOperationException(failure);
        }
    }

    public void Sent() => Interlocked.Increment(ref _inFlight);

    /// <summary>The delivery report handler shared by every produce call.</summary>
    public void OnDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (report.Error.IsError)
        {
            metrics?.ProduceErrors.WithLabels(report.Topic).Inc();
            _firstFailure ??= $"delivery to {report.TopicPartition} failed: {report.Error.Reason} ({report.Error.Code})";
        }

        Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>Delivery report handler for changelog records: also remembers the partition's end offset.</summary>
    public void OnChangelogDelivered(DeliveryReport<byte[], byte[]> report)
    {
        if (!report.Error.IsError)
        {
            lock (_changelogLock)
            {
                long next = report.Offset.Value + 1;
                if (!_changelogEnd.TryGetValue(report.TopicPartition, out long known) || next > known)
                {
                    _changelogEnd[report.TopicPartition] = next;
                }
            }
        }

        OnDelivered(report);
    }

    /// <summary>The offset after the last acknowledged changelog record of a partition, or -1 if none was written.</summary>
    public long ChangelogEnd(TopicPartition partition)
    {
        lock (_changelogLock)
        {
            return _changelogEnd.TryGetValue(partition, out long end) ? end : -1;
        }
    }
}
