using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using StreamRnn.Daemon.Broker;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Hosting;

/// <summary>
/// Tells the operator where to look once everything has started: the HTTP address actually bound (port 0 picks
/// one), each pipeline's topics, and a ready-to-paste <c>kcat</c> command per output topic.
/// </summary>
internal sealed class StartupBanner(
    IHostApplicationLifetime lifetime,
    IServer server,
    IHostEnvironment environment,
    KafkaConnection kafka,
    PipelineCatalog catalog,
    IOptions<KafkaOptions> kafkaOptions,
    IOptions<DeliveryOptions> delivery,
    IOptions<ShutdownOptions> shutdown,
    Http.ApiKeyAuthenticator apiKey,
    ILogger<StartupBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        string version = typeof(StartupBanner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        HostingLog.Starting(logger, version, environment.EnvironmentName, environment.ContentRootPath);
        lifetime.ApplicationStarted.Register(Started);
        lifetime.ApplicationStopping.Register(() => HostingLog.Stopping(logger, shutdown.Value.Timeout));
        lifetime.ApplicationStopped.Register(() => HostingLog.Stopped(logger));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Started()
    {
        string bootstrap = kafka.BootstrapServers ?? "(not started)";
        HostingLog.KafkaInUse(logger, kafka.IsEmbedded ? "embedded broker" : "cluster", bootstrap,
            kafkaOptions.Value.GroupId, delivery.Value.Mode.ToString(), ClientConfigRedaction.Describe(kafka.ClientConfig));
        if (kafka.IsEmbedded && delivery.Value.Mode == Kafka.Processing.DeliveryMode.ExactlyOnce)
        {
            HostingLog.ExactlyOnceOnMock(logger);
        }

        foreach (string address in server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
        {
            HostingLog.HttpListening(logger, address);
        }

        if (!apiKey.IsConfigured)
        {
            HostingLog.ApiKeyNotSet(logger);
        }

        foreach (var pipeline in catalog.Pipelines)
        {
            var p = pipeline.Definition;
            HostingLog.PipelineTopics(logger, p.Name, pipeline.Source, p.InputTopic, p.OutputTopic,
                string.IsNullOrEmpty(p.AlertTopic) ? "(none)" : p.AlertTopic, p.DeadLetterTopic, p.ChangelogTopic, p.ModelTopic);
        }

        foreach (var pipeline in catalog.Pipelines)
        {
            HostingLog.WatchCommand(logger, pipeline.Definition.Name, bootstrap, pipeline.Definition.OutputTopic);
        }
    }
}
