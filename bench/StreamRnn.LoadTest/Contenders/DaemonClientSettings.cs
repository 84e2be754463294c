using Confluent.Kafka;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.LoadTest.Contenders;

/// <summary>
/// The client settings <see cref="StreamProcessor"/> builds for itself (its BuildConsumerConfig and
/// BuildProducerConfig are private), restated here so the passthrough runs with exactly the same ones. If the
/// daemon's settings change, change these with them: the comparison is only fair while they agree.
/// </summary>
public static class DaemonClientSettings
{
    public static ConsumerConfig Consumer(StreamProcessorOptions options) => new()
    {
        BootstrapServers = options.BootstrapServers,
        GroupId = options.GroupId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        SessionTimeoutMs = options.SessionTimeoutMs,
        HeartbeatIntervalMs = Math.Max(100, options.SessionTimeoutMs / 6),
        FetchWaitMaxMs = 20,
        IsolationLevel = IsolationLevel.ReadCommitted,
    };

    public static ProducerConfig Producer(StreamProcessorOptions options) => new()
    {
        BootstrapServers = options.BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 5,
        MessageTimeoutMs = 0,
        QueueBufferingMaxMessages = Math.Max(options.MaxInFlightOutputs * 2, 100_000),
    };
}
