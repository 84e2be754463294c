using Confluent.Kafka;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// The librdkafka settings of the consumer loop's clients, in one place so that anything measured against the loop
/// (the load benchmark's passthrough) runs with exactly the same ones.
/// </summary>
public static class ProcessorClientConfig
{
    public static ConsumerConfig Consumer(StreamProcessorOptions options)
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(options.ClientConfig))
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
        return config;
    }

    public static ProducerConfig Producer(StreamProcessorOptions options)
    {
        var config = new ProducerConfig(new Dictionary<string, string>(options.ClientConfig))
        {
            BootstrapServers = options.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            // Never give up on an output: an unacknowledged output holds back the commit, and a crash replays its input.
            MessageTimeoutMs = 0,
            QueueBufferingMaxMessages = Math.Max(options.MaxInFlightOutputs * 2, 100_000),
        };
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            config.TransactionalId = options.ClientConfig.TryGetValue("transactional.id", out string? id)
                ? id
                : $"{options.GroupId}-{Environment.MachineName}-{Environment.ProcessId}";
            // A transaction must finish within its timeout, so outputs cannot wait forever inside one.
            config.MessageTimeoutMs = 60_000;
        }

        return config;
    }
}
