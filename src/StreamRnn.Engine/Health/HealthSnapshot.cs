namespace StreamRnn.Engine.Health;

/// <summary>A consistent copy of the <see cref="HealthBoard"/> at one moment, components ordered by name.</summary>
/// <param name="IsReady">True when every component is healthy (also when none has registered).</param>
/// <param name="Components">Every registered component.</param>
public sealed record HealthSnapshot(bool IsReady, IReadOnlyList<ComponentHealth> Components);
