namespace StreamRnn.Daemon.Http;

/// <summary>The body of <c>/readyz</c>.</summary>
internal sealed record ReadinessResponse(bool Ready, IReadOnlyList<ReadinessComponent> Components);
