namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>Kafka</c> section: where the broker is and how clients talk to it.</summary>
public sealed class KafkaOptions : ISettingsSection
{
    public const string SectionName = "Kafka";

    /// <summary>host:port[,host:port]; empty = start the embedded broker (librdkafka's mock cluster).</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary>Partitions of every topic the embedded broker creates (input, changelog and model topics alike).</summary>
    [SettingRange(1, 256)]
    public int EmbeddedPartitions { get; set; } = 4;

    /// <summary>Consumer group shared by every instance of the daemon.</summary>
    [SettingRequired]
    public string GroupId { get; set; } = "streamrnn";

    /// <summary>
    /// This instance's name among the group's members: the key of the model versions it publishes, and what
    /// Training:Leader refers to in Follow mode. Empty: the machine name (in containers, set it explicitly).
    /// </summary>
    public string InstanceId { get; set; } = "";

    /// <summary>Consumer session timeout: how long a killed instance's partitions wait before moving.</summary>
    [SettingRange(1000, 300_000)]
    public int SessionTimeoutMs { get; set; } = 6000;

    /// <summary>Records taken from the consumer before one micro-batched processing pass.</summary>
    [SettingRange(1, 1_000_000)]
    public int MaxPollRecords { get; set; } = 2048;

    /// <summary>Outputs awaiting acknowledgement above which fetching pauses.</summary>
    [SettingRange(1, 10_000_000)]
    public int MaxInFlightOutputs { get; set; } = 200_000;

    /// <summary>
    /// Extra librdkafka properties passed unchanged to every client, e.g. <c>security.protocol</c>,
    /// <c>sasl.mechanism</c>, <c>sasl.username</c>, <c>sasl.password</c>, <c>ssl.ca.location</c>. Values of keys
    /// that look secret are never logged (<see cref="ClientConfigRedaction"/>).
    /// </summary>
    public Dictionary<string, string> ClientConfig { get; set; } = new(StringComparer.Ordinal);

    /// <summary>True when no bootstrap servers are configured and the daemon runs its own broker.</summary>
    public bool UseEmbeddedBroker => string.IsNullOrWhiteSpace(BootstrapServers);

    string ISettingsSection.SectionPath => SectionName;
}
