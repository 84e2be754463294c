using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Prometheus;
using StreamRnn.CommandLine;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Hosting;
using StreamRnn.Daemon.Http;
using StreamRnn.Engine.Health;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Daemon.Commands;

/// <summary><c>streamrnn run</c>: the daemon itself, on ASP.NET Core's host, until SIGTERM or Ctrl-C.</summary>
internal sealed class RunCommand : VerbCommand
{
    private readonly Option<string> _contentRootOption;
    private readonly Option<string> _environmentOption;

    public RunCommand()
        : base("run", "Run the forecasting daemon (the default command).", """
            Any configuration key can be set as --Section:Key=value (e.g. --Kafka:BootstrapServers=host:9092,
            --Http:Url=http://0.0.0.0:9464). Layers, later wins: appsettings.json, appsettings.{Environment}.json,
            environment variables (Kafka__BootstrapServers or STREAMRNN_Kafka__BootstrapServers), the command line.
            With no Kafka:BootstrapServers an embedded broker is started and demo feeds replay bundled data.
            """)
    {
        ConfigurationKeys = ["PipelineFiles"];
        _contentRootOption = AddText("--content-root", "DIR",
            "Folder holding appsettings.json and config/ (default: the current directory if it has appsettings.json, else the executable's folder).");
        _environmentOption = AddText("--environment", "NAME",
            "Also read appsettings.NAME.json (default: $STREAMRNN_ENVIRONMENT, $DOTNET_ENVIRONMENT, else Production).");
        SetAction(parse => ExecuteAsync(parse, parse.InvocationConfiguration.Error));
    }

    private async Task<int> ExecuteAsync(ParseResult parse, TextWriter error)
    {
        var configurationArguments = ConfigurationOverrides.Of(parse, DaemonCommandLine.Program);
        string contentRoot = ContentRootLocator.Locate(parse.GetValue(_contentRootOption), Directory.GetCurrentDirectory(), AppContext.BaseDirectory);
        string environmentName = DaemonConfigurationSources.EnvironmentName(parse.GetValue(_environmentOption));

        // prometheus-net's default .NET runtime metrics fail `promtool check metrics`; the daemon exports its own.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressEventCounters = true,
            SuppressMeters = true,
            SuppressDebugMetrics = true,
        });

        // Remembers a stop request and passes it to the host (whose own handlers do the same once it runs): a stop
        // that arrives before or during start-up ends the daemon with exit code 0 rather than the runtime's default.
        bool stopSignalled = false;
        WebApplication? app = null;
        void OnStopSignal(PosixSignalContext context)
        {
            stopSignalled = true;
            context.Cancel = true;
            app?.Lifetime.StopApplication();
        }

        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                ContentRootPath = contentRoot,
                EnvironmentName = environmentName,
                ApplicationName = "streamrnn",
            });
            DaemonConfigurationSources.Apply(builder.Configuration, contentRoot, environmentName, configurationArguments);
            ConfigureLogging(builder.Logging, builder.Configuration);

            // Kestrel is told its address now; the value is validated (with a clear message) before it binds.
            builder.WebHost.UseUrls(builder.Configuration[$"{HttpOptions.SectionName}:{nameof(HttpOptions.Url)}"] ?? HttpOptions.DefaultUrl);
            builder.Services.AddDaemon(builder.Configuration);

            app = builder.Build();
            if (stopSignalled)
            {
                return ExitCodes.Success;
            }

            // The host validates again on start; validating first keeps an invalid setting to the plain report
            // below instead of the host's "Hosting failed to start" stack trace.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            app.MapDaemonEndpoints();
            var metrics = app.Services.GetRequiredService<StreamRnnMetrics>();
            var health = app.Services.GetRequiredService<HealthBoard>();
            Metrics.DefaultRegistry.AddBeforeCollectCallback(() => metrics.Ready.Set(health.Snapshot().IsReady ? 1 : 0));

            await app.RunAsync().ConfigureAwait(false);

            // A service that failed after start (the consumer loop) set a non-zero exit code before stopping the host.
            return Environment.ExitCode;
        }
        catch (Exception exception) when (stopSignalled && app is not null)
        {
            // SIGTERM or Ctrl-C while starting (e.g. during the topic checks): a requested stop, not a failure.
            if (exception is not OperationCanceledException)
            {
                await error.WriteLineAsync($"streamrnn: start-up interrupted by a stop request ({exception.GetType().Name}: {exception.Message})")
                    .ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }
        catch (Exception exception) when (ConfigurationErrorReport.TryDescribe(exception, out var problems))
        {
            await error.WriteLineAsync("streamrnn: invalid configuration:").ConfigureAwait(false);
            foreach (string problem in problems)
            {
                await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("Settings come from appsettings.json, appsettings.{Environment}.json, environment variables (STREAMRNN_Section__Key) and --Section:Key=value; see 'streamrnn run --help'.").ConfigureAwait(false);
            return ExitCodes.InvalidConfiguration;
        }
        finally
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static void ConfigureLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        string? format = configuration[$"{LogFormatOptions.SectionName}:{nameof(LogFormatOptions.Format)}"];
        if (string.Equals(format, nameof(LogFormat.Json), StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(options =>
            {
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            });
        }
    }
}
