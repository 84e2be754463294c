using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Configuration;

namespace StreamRnn.Daemon.Broker;

/// <summary>
/// The Kafka cluster the daemon talks to: the configured bootstrap servers, or the embedded broker's once it has
/// started. Every client (consumer loop, demo feeds, topic administration) gets its settings from here, so
/// <c>Kafka:ClientConfig</c> (TLS, SASL) applies to all of them alike.
/// </summary>
public sealed class KafkaConnection
{
    private readonly Dictionary<string, string> _clientConfig;
    private volatile string? _bootstrapServers;

    public KafkaConnection(IOptions<KafkaOptions> options)
    {
        var kafka = options.Value;
        IsEmbedded = kafka.UseEmbeddedBroker;
        _clientConfig = new Dictionary<string, string>(kafka.ClientConfig, StringComparer.Ordinal);
        if (!IsEmbedded)
        {
            _bootstrapServers = kafka.BootstrapServers.Trim();
        }
    }

    /// <summary>True when the daemon runs its own broker (no <c>Kafka:BootstrapServers</c> configured).</summary>
    public bool IsEmbedded { get; }

    /// <summary>The bootstrap servers, or null while the embedded broker has not started yet.</summary>
    public string? BootstrapServers => _bootstrapServers;

    /// <summary><c>Kafka:ClientConfig</c> as configured (contains secrets: never log it; see <see cref="ClientConfigRedaction"/>).</summary>
    public IReadOnlyDictionary<string, string> ClientConfig => _clientConfig;

    /// <summary>Called once by the broker service when the embedded broker is up.</summary>
    internal void SetEmbeddedBootstrapServers(string servers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(servers);
        if (!IsEmbedded)
        {
            throw new InvalidOperationException("Bootstrap servers are configured; there is no embedded broker.");
        }

        _bootstrapServers = servers;
    }

    /// <summary>Settings for a Confluent.Kafka producer: the pass-through ClientConfig plus the bootstrap servers.</summary>
    public ProducerConfig CreateProducerConfig() => Apply(new ProducerConfig());

    /// <summary>Fills a Confluent.Kafka client configuration with the pass-through ClientConfig and the bootstrap servers.</summary>
    public T Apply<T>(T config)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var (key, value) in _clientConfig)
        {
            config.Set(key, value);
        }

        config.BootstrapServers = _bootstrapServers
            ?? throw new InvalidOperationException("The embedded broker has not started yet: no bootstrap servers.");
        return config;
    }
}
