namespace StreamRnn.Daemon.Http;

/// <summary>The body of <c>/info</c>: what this instance is connected to and what it runs.</summary>
/// <param name="ContentRoot">Where the daemon reads its configuration; null unless the request carries the API key.</param>
/// <param name="BootstrapServers">The Kafka cluster in use; null while the embedded broker is starting, and unless the
/// request carries the API key.</param>
/// <param name="ClientConfig">Kafka:ClientConfig with secret values masked; null unless the request carries the API key.</param>
internal sealed record InfoResponse(
    string Version,
    string Environment,
    string? ContentRoot,
    string? BootstrapServers,
    bool EmbeddedBroker,
    string Delivery,
    string GroupId,
    IReadOnlyDictionary<string, string>? ClientConfig,
    IReadOnlyList<PipelineInfo> Pipelines);
