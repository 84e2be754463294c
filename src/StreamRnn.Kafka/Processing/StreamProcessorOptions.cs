namespace StreamRnn.Kafka.Processing;

/// <summary>Settings of the consumer loop; bound by the daemon from the <c>Kafka</c>, <c>State</c> and <c>Delivery</c> sections.</summary>
public sealed class StreamProcessorOptions
{
    /// <summary>Kafka bootstrap servers (the embedded broker's when none are configured).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Consumer group shared by every instance of the daemon; partitions and their keys' state are spread over its members.</summary>
    public string GroupId { get; init; } = "streamrnn";

    /// <summary>Extra librdkafka settings passed through unchanged to every client (TLS, SASL, tuning).</summary>
    public IReadOnlyDictionary<string, string> ClientConfig { get; init; } = new Dictionary<string, string>();

    public DeliveryMode Delivery { get; init; } = DeliveryMode.AtLeastOnce;

    /// <summary>How often outputs are flushed, changelog records written and offsets committed.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often (at most) partition snapshots are written to the state directory, right after a commit.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often idle keys are looked for and evicted.</summary>
    public TimeSpan EvictionInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Local state directory (snapshots per pipeline and partition). Empty: no local snapshots, restore from the changelog only.</summary>
    public string StateDirectory { get; init; } = "state";

    /// <summary>Records taken from the consumer before one micro-batched processing pass.</summary>
    public int MaxPollRecords { get; init; } = 2048;

    /// <summary>Outputs awaiting acknowledgement above which fetching pauses until they drain to half.</summary>
    public int MaxInFlightOutputs { get; init; } = 200_000;

    /// <summary>Consumer session timeout: how long a killed instance's partitions wait before moving.</summary>
    public int SessionTimeoutMs { get; init; } = 6000;

    /// <summary>Time allowed for final flush and commit when stopping.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(20);
}
