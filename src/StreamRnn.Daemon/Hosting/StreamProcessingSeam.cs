using StreamRnn.Daemon.Broker;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Engine.Health;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Daemon.Hosting;

/// <summary>
/// Where the Kafka consumer loop (<see cref="StreamProcessor"/>) joins the host. Not wired yet: the loop's owner
/// registers it in <see cref="AddStreamProcessing"/> as a hosted service (after the broker service, before the demo
/// feeds), reports its readiness on the <see cref="HealthBoard"/>, and registers an <see cref="Http.IPipelineQueries"/>
/// over <see cref="StreamProcessor.QueryAsync{T}"/>. Until then the daemon says plainly that nothing is processed.
/// </summary>
internal static class StreamProcessingSeam
{
    public const string HealthComponent = "processing";

    public static void AddStreamProcessing(IServiceCollection services) =>
        services.AddHostedService<MissingProcessingLoop>();

    /// <summary>The loop's settings from the daemon's validated sections.</summary>
    /// <remarks>
    /// The loop gets 80% of <c>Shutdown:Timeout</c> for its final flush and commit, so the services stopped after it
    /// (the broker) still fit in the host's timeout.
    /// </remarks>
    public static StreamProcessorOptions CreateProcessorOptions(
        KafkaConnection connection,
        KafkaOptions kafka,
        StateDirectoryOptions state,
        DeliveryOptions delivery,
        ShutdownOptions shutdown,
        string contentRoot) => new()
        {
            BootstrapServers = connection.BootstrapServers
                ?? throw new InvalidOperationException("The broker has not started yet: no bootstrap servers."),
            GroupId = kafka.GroupId,
            ClientConfig = connection.ClientConfig,
            Delivery = delivery.Mode,
            CommitInterval = state.CommitInterval,
            SnapshotInterval = state.SnapshotInterval,
            EvictionInterval = state.EvictionInterval,
            StateDirectory = Path.GetFullPath(state.Directory, contentRoot),
            MaxPollRecords = kafka.MaxPollRecords,
            MaxInFlightOutputs = kafka.MaxInFlightOutputs,
            SessionTimeoutMs = kafka.SessionTimeoutMs,
            ShutdownTimeout = shutdown.Timeout * 0.8,
        };

    /// <summary>Holds readiness back and says why, while no consumer loop is registered.</summary>
    private sealed class MissingProcessingLoop(HealthBoard health, ILogger<MissingProcessingLoop> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            health.ReportUnhealthy(HealthComponent, "no consumer loop is registered in this build: records are not processed");
            HostingLog.NoProcessingLoop(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
