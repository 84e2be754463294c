using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Health;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Broker;

/// <summary>
/// Starts the embedded broker when no bootstrap servers are configured and creates every pipeline's topics on it;
/// disposes it when the host stops.
/// </summary>
/// <remarks>
/// Registered as the first hosted service: the host starts services in registration order and stops them in
/// reverse, so the broker is up before the consumer loop and the demo feeds start, and is disposed after both have
/// stopped (clients first, or their Close waits out the session timeout). Readiness component <c>broker</c>.
/// </remarks>
internal sealed class BrokerService(
    KafkaConnection connection,
    PipelineCatalog catalog,
    IOptions<KafkaOptions> options,
    HealthBoard health,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    public const string HealthComponent = "broker";

    private readonly ILogger logger = loggers.CreateLogger<BrokerService>();
    private EmbeddedKafkaCluster? cluster;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        health.ReportUnhealthy(HealthComponent, "starting");
        if (!connection.IsEmbedded)
        {
            BrokerLog.External(logger, connection.BootstrapServers!);
            health.ReportHealthy(HealthComponent, $"external cluster {connection.BootstrapServers}");
            return Task.CompletedTask;
        }

        cluster = EmbeddedKafkaCluster.Start(brokers: 1, loggers.CreateLogger<EmbeddedKafkaCluster>());
        connection.SetEmbeddedBootstrapServers(cluster.BootstrapServers);
        BrokerLog.EmbeddedStarted(logger, cluster.BootstrapServers);
        var topics = TopicPlan.For(catalog.Pipelines.Select(p => p.Definition), options.Value.EmbeddedPartitions);
        foreach (var (topic, partitions) in topics)
        {
            cluster.CreateTopic(topic, partitions);
        }

        health.ReportHealthy(HealthComponent, $"embedded broker at {cluster.BootstrapServers}, {topics.Count} topics");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        var running = Interlocked.Exchange(ref cluster, null);
        if (running is not null)
        {
            health.ReportUnhealthy(HealthComponent, "stopped");
            running.Dispose();
            BrokerLog.EmbeddedStopped(logger);
        }
    }
}
