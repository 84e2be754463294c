using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Health;
using StreamRnn.Kafka.Admin;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Broker;

/// <summary>
/// Makes the Kafka side ready before anything uses it: starts the embedded broker when no bootstrap servers are
/// configured, and makes sure every pipeline's topics exist (creating the missing ones); disposes the embedded
/// broker when the host stops.
/// </summary>
/// <remarks>
/// <para>Registered as the first hosted service: the host starts services in registration order and stops them in
/// reverse, so the broker is up before the consumer loop and the demo feeds start, and is disposed after both have
/// stopped (clients first, or their Close waits out the session timeout). Readiness component <c>broker</c>.</para>
/// <para>On the embedded broker every topic gets <c>Kafka:EmbeddedPartitions</c> partitions. On a real cluster the
/// input topics must exist already (they belong to whoever produces them); each pipeline's other topics are created
/// if missing with its input's partition count, changelog and model topics compacted. A failure here (cluster
/// unreachable, an input topic missing, a changelog of the wrong size) stops start-up with exit code 1, so a
/// supervisor retries rather than the daemon running half-connected.</para>
/// </remarks>
internal sealed class BrokerService(
    KafkaConnection connection,
    PipelineCatalog catalog,
    IOptions<KafkaOptions> options,
    HealthBoard health,
    ILoggerFactory loggers) : IHostedService, IDisposable
{
    public const string HealthComponent = "broker";

    private readonly ILogger _logger = loggers.CreateLogger<BrokerService>();
    private EmbeddedKafkaCluster? _cluster;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        health.ReportUnhealthy(HealthComponent, "starting");
        var pipelines = catalog.Pipelines.Select(p => p.Definition).ToList();
        IReadOnlyList<TopicStatus> topics;
        if (connection.IsEmbedded)
        {
            _cluster = EmbeddedKafkaCluster.Start(brokers: 1, loggers.CreateLogger<EmbeddedKafkaCluster>());
            connection.SetEmbeddedBootstrapServers(_cluster.BootstrapServers);
            BrokerLog.EmbeddedStarted(_logger, _cluster.BootstrapServers);
            var provisioner = new EmbeddedTopicProvisioner(_cluster, loggers.CreateLogger<EmbeddedTopicProvisioner>());
            int partitions = options.Value.EmbeddedPartitions;
            topics = await provisioner.EnsureTopicsAsync(TopicPlan.For(pipelines, _ => partitions), cancellationToken).ConfigureAwait(false);
            health.ReportHealthy(HealthComponent, $"embedded broker at {_cluster.BootstrapServers}, {topics.Count} topics");
            return;
        }

        BrokerLog.External(_logger, connection.BootstrapServers!);
        using var administrator = TopicAdministrator.Create(connection.Apply(new AdminClientConfig()), loggers.CreateLogger<TopicAdministrator>());
        var inputPartitions = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pipeline in pipelines)
        {
            inputPartitions[pipeline.Name] = await administrator.GetPartitionCountAsync(pipeline.InputTopic, cancellationToken).ConfigureAwait(false)
                ?? throw new TopicProvisioningException(
                    $"The input topic '{pipeline.InputTopic}' of pipeline '{pipeline.Name}' does not exist on {connection.BootstrapServers}: " +
                    "create it first (the pipeline's other topics are sized from it).",
                    [pipeline.InputTopic]);
        }

        topics = await administrator.EnsureTopicsAsync(TopicPlan.For(pipelines, p => inputPartitions[p.Name]), cancellationToken).ConfigureAwait(false);
        health.ReportHealthy(HealthComponent,
            $"cluster at {connection.BootstrapServers}, {topics.Count} topics ({topics.Count(t => t.Created)} created at start)");
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        var running = Interlocked.Exchange(ref _cluster, null);
        if (running is not null)
        {
            health.ReportUnhealthy(HealthComponent, "stopped");
            running.Dispose();
            BrokerLog.EmbeddedStopped(_logger);
        }
    }
}
