namespace StreamRnn.Daemon.Http;

/// <summary>One component in the body of <c>/readyz</c>.</summary>
internal sealed record ReadinessComponent(string Name, bool Healthy, string Reason, DateTimeOffset Since);
