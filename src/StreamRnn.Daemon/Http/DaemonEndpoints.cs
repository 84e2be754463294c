using System.Reflection;
using Microsoft.Extensions.Options;
using Prometheus;
using StreamRnn.Daemon.Broker;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Health;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Daemon.Http;

/// <summary>
/// The daemon's HTTP surface on one port: <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/info</c> and the
/// pipeline queries. Liveness and readiness are separate: a process restoring state is alive but not ready. Every
/// request passes <see cref="RequestGuard"/> first; key queries and the model restore need the API key
/// (<see cref="ApiKeyRequired"/>), and <c>/info</c> shows paths and the Kafka connection only to a caller that has it.
/// </summary>
internal static class DaemonEndpoints
{
    public static void MapDaemonEndpoints(this WebApplication app)
    {
        app.UseMiddleware<RequestGuard>();
        app.MapMetrics("/metrics");
        app.MapGet("/healthz", () => Results.Text("alive\n"));
        app.MapGet("/readyz", (HealthBoard board) =>
        {
            var snapshot = board.Snapshot();
            var body = new ReadinessResponse(
                snapshot.IsReady,
                [.. snapshot.Components.Select(c => new ReadinessComponent(c.Name, c.IsHealthy, c.Reason, c.Since))]);
            return Results.Json(body, statusCode: snapshot.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/info", Info);
        // A catch-all: keys may contain '/', sent as is or as %2F (which the server leaves encoded in the path).
        app.MapGet("/pipelines/{name}/keys/{**key}", QueryKeyAsync).AddEndpointFilter<ApiKeyRequired>();
        app.MapGet("/pipelines/{name}/model", QueryModelAsync);
        app.MapGet("/pipelines/{name}/accuracy", QueryAccuracyAsync);
        app.MapPost("/pipelines/{name}/model/restore", RestorePreviousModel).AddEndpointFilter<ApiKeyRequired>();
    }

    private static InfoResponse Info(
        KafkaConnection kafka,
        IOptions<KafkaOptions> kafkaOptions,
        IOptions<DeliveryOptions> delivery,
        PipelineCatalog catalog,
        IHostEnvironment environment,
        ApiKeyAuthenticator authenticator,
        HttpContext context)
    {
        string version = typeof(DaemonEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

        // Where the daemon runs and which cluster it talks to help an attacker more than an unauthenticated reader.
        bool full = authenticator.IsAuthenticated(context);
        return new InfoResponse(
            version,
            environment.EnvironmentName,
            full ? environment.ContentRootPath : null,
            full ? kafka.BootstrapServers : null,
            kafka.IsEmbedded,
            delivery.Value.Mode.ToString(),
            kafkaOptions.Value.GroupId,
            full ? ClientConfigRedaction.Redact(kafka.ClientConfig) : null,
            [.. catalog.Pipelines.Select(p => new PipelineInfo(
                p.Definition.Name,
                p.Source,
                p.Definition.InputTopic,
                p.Definition.OutputTopic,
                string.IsNullOrEmpty(p.Definition.AlertTopic) ? null : p.Definition.AlertTopic,
                p.Definition.DeadLetterTopic,
                p.Definition.ChangelogTopic,
                p.Definition.ModelTopic))]);
    }

    private static async Task<IResult> QueryKeyAsync(string name, string key, PipelineCatalog catalog, IServiceProvider services, CancellationToken cancellation)
    {
        if (catalog.Find(name) is null)
        {
            return UnknownPipeline(name);
        }

        if (services.GetService<IPipelineQueries>() is not { } queries)
        {
            return QueriesUnavailable();
        }

        key = key.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        var summary = await queries.QueryKeyAsync(name, key, cancellation).ConfigureAwait(false);
        return summary is null
            ? Results.Json(new ErrorResponse($"key '{key}' is not held by this instance of pipeline '{name}'"), statusCode: StatusCodes.Status404NotFound)
            : Results.Json(summary);
    }

    private static async Task<IResult> QueryModelAsync(string name, PipelineCatalog catalog, IServiceProvider services, CancellationToken cancellation)
    {
        if (catalog.Find(name) is null)
        {
            return UnknownPipeline(name);
        }

        if (services.GetService<IPipelineQueries>() is not { } queries)
        {
            return QueriesUnavailable();
        }

        return Results.Json(await queries.QueryModelAsync(name, cancellation).ConfigureAwait(false));
    }

    private static async Task<IResult> QueryAccuracyAsync(string name, PipelineCatalog catalog, IServiceProvider services, CancellationToken cancellation)
    {
        if (catalog.Find(name) is null)
        {
            return UnknownPipeline(name);
        }

        if (services.GetService<IPipelineQueries>() is not { } queries)
        {
            return QueriesUnavailable();
        }

        return Results.Json(await queries.QueryAccuracyAsync(name, cancellation).ConfigureAwait(false));
    }

    private static IResult RestorePreviousModel(string name, PipelineCatalog catalog, IServiceProvider services)
    {
        if (catalog.Find(name) is null)
        {
            return UnknownPipeline(name);
        }

        if (services.GetService<IPipelineQueries>() is not { } queries)
        {
            return QueriesUnavailable();
        }

        return queries.RestorePreviousModel(name) is { } restored
            ? Results.Json(restored)
            : Results.Json(new ErrorResponse($"pipeline '{name}' keeps no version before the current one in memory " +
                "(Training:KeepVersions, since this start); to go further back, stop the daemon and remove the newer " +
                "model-<version>.srnn files from its state directory"), statusCode: StatusCodes.Status409Conflict);
    }

    private static IResult UnknownPipeline(string name) =>
        Results.Json(new ErrorResponse($"no pipeline named '{name}'"), statusCode: StatusCodes.Status404NotFound);

    private static IResult QueriesUnavailable() =>
        Results.Json(
            new ErrorResponse("pipeline queries are not available: no consumer loop is registered in this daemon"),
            statusCode: StatusCodes.Status503ServiceUnavailable);
}
