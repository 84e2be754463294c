using Microsoft.Extensions.Options;
using Prometheus;
using StreamRnn.Daemon.Broker;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Demo;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Health;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Daemon.Hosting;

/// <summary>Registers the daemon's options (bound and validated at start) and services, in start order.</summary>
internal static class DaemonServiceRegistration
{
    public static IServiceCollection AddDaemon(this IServiceCollection services, IConfiguration configuration)
    {
        AddSection<KafkaOptions, KafkaOptionsValidator>(services, configuration, KafkaOptions.SectionName)
            .Services.AddSingleton<IValidateOptions<KafkaOptions>, KafkaOptionsCrossFieldValidator>();
        AddSection<HttpOptions, HttpOptionsValidator>(services, configuration, HttpOptions.SectionName)
            .Services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsCrossFieldValidator>();
        AddSection<StateDirectoryOptions, StateDirectoryOptionsValidator>(services, configuration, StateDirectoryOptions.SectionName);
        AddSection<DeliveryOptions, DeliveryOptionsValidator>(services, configuration, DeliveryOptions.SectionName);
        AddSection<DemoOptions, DemoOptionsValidator>(services, configuration, DemoOptions.SectionName);
        AddSection<ShutdownOptions, ShutdownOptionsValidator>(services, configuration, ShutdownOptions.SectionName);
        AddSection<ModelTopicOptions, ModelTopicOptionsValidator>(services, configuration, ModelTopicOptions.SectionName);

        // Logging also holds Microsoft's LogLevel settings, so only Format is read from it, and unknown keys are fine.
        services.AddOptions<LogFormatOptions>()
            .Configure(options => configuration.GetSection(LogFormatOptions.SectionName).Bind(options))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LogFormatOptions>, LogFormatOptionsValidator>();

        services.AddOptions<PipelineSourceOptions>()
            .Configure(options =>
            {
                configuration.GetSection("Pipelines").Bind(options.Pipelines);
                options.PipelineFiles = configuration["PipelineFiles"] ?? PipelineSourceOptions.DefaultPipelineFiles;
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineSourceOptions>, PipelineSourceOptionsValidator>();

        services.AddOptions<HostOptions>()
            .Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<HealthBoard>();
        services.AddSingleton(_ => new StreamRnnMetrics(Metrics.DefaultFactory));
        services.AddSingleton<KafkaConnection>();
        services.AddSingleton<Http.ApiKeyAuthenticator>();
        services.AddSingleton(provider => PipelineCatalog.Load(
            provider.GetRequiredService<IOptions<PipelineSourceOptions>>().Value,
            provider.GetRequiredService<IHostEnvironment>().ContentRootPath));

        // Start order = registration order; stop order is the reverse, so the broker stops last.
        services.AddHostedService<StartupBanner>();
        services.AddSingleton<BrokerService>();
        services.AddHostedService(provider => provider.GetRequiredService<BrokerService>());
        StreamProcessingSeam.AddStreamProcessing(services);
        services.AddSingleton<DemoFeedService>();
        services.AddHostedService(provider => provider.GetRequiredService<DemoFeedService>());
        return services;
    }

    private static OptionsBuilder<TOptions> AddSection<TOptions, TValidator>(IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        services.AddSingleton<IValidateOptions<TOptions>>(new UnknownSettingsValidator<TOptions>(configuration, section));
        return services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateOnStart();
    }
}
