using StreamRnn.Daemon.Broker;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Engine.Health;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Daemon.Hosting;

/// <summary>
/// Where the Kafka consumer loop (<see cref="StreamProcessor"/>) joins the host: a hosted service registered after the
/// broker service and before the demo feeds, reporting readiness on the <see cref="HealthBoard"/> and answering
/// <see cref="Http.IPipelineQueries"/> through <see cref="StreamProcessor.QueryAsync{T}"/>.
/// </summary>
internal static class StreamProcessingSeam
{
    public const string HealthComponent = "processing";

    public static void AddStreamProcessing(IServiceCollection services)
    {
        services.AddSingleton<Processing.StreamProcessingService>();
        services.AddSingleton<Http.IPipelineQueries>(provider => provider.GetRequiredService<Processing.StreamProcessingService>());
        services.AddHostedService(provider => provider.GetRequiredService<Processing.StreamProcessingService>());
    }

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
}
