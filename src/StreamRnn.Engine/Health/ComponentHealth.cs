namespace StreamRnn.Engine.Health;

/// <summary>What one component last said about itself.</summary>
/// <param name="Name">The component, e.g. <c>broker</c> or <c>pipeline:stocks</c>.</param>
/// <param name="IsHealthy">Whether the component is ready to do its work.</param>
/// <param name="Reason">Why it is (un)healthy, for operators; never a secret.</param>
/// <param name="Since">When the component last changed between healthy and unhealthy.</param>
public sealed record ComponentHealth(string Name, bool IsHealthy, string Reason, DateTimeOffset Since);
