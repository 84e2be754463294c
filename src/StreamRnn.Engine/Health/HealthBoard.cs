namespace StreamRnn.Engine.Health;

/// <summary>
/// The readiness board: each component (the broker connection, the consumer loop, each pipeline's restore…)
/// reports itself healthy or unhealthy with a reason, from any thread; <c>/readyz</c> serves a snapshot.
/// </summary>
/// <remarks>
/// A component that should hold readiness back until it has done its first piece of work registers itself
/// unhealthy ("starting") before that work begins, so the daemon never looks ready too early. Reports are
/// rare (state changes, a few per second at most), so one lock is simpler than anything lock-free and costs
/// nothing measurable. <see cref="ComponentHealth.Since"/> moves only when the healthy flag flips, so an
/// operator sees how long a component has been in its current state.
/// </remarks>
public sealed class HealthBoard
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, ComponentHealth> _components = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public HealthBoard()
        : this(TimeProvider.System)
    {
    }

    public HealthBoard(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <summary>Marks a component healthy; <paramref name="detail"/> says what it is doing (e.g. "4 partitions").</summary>
    public void ReportHealthy(string component, string detail = "ok") => Report(component, isHealthy: true, detail);

    /// <summary>Marks a component unhealthy; readiness is withheld until it reports healthy again.</summary>
    public void ReportUnhealthy(string component, string reason) => Report(component, isHealthy: false, reason);

    /// <summary>Forgets a component (e.g. a pipeline that was removed); unknown names are ignored.</summary>
    public void Remove(string component)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        lock (_gate)
        {
            _components.Remove(component);
        }
    }

    /// <summary>A consistent copy of every component's state.</summary>
    public HealthSnapshot Snapshot()
    {
        lock (_gate)
        {
            var list = new ComponentHealth[_components.Count];
            bool ready = true;
            int index = 0;
            foreach (var entry in _components.Values)
            {
                list[index++] = entry;
                ready &= entry.IsHealthy;
            }

            return new HealthSnapshot(ready, list);
        }
    }

    private void Report(string component, bool isHealthy, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        ArgumentNullException.ThrowIfNull(reason);
        lock (_gate)
        {
            var since = _components.TryGetValue(component, out var previous) && previous.IsHealthy == isHealthy
                ? previous.Since
                : _time.GetUtcNow();
            _components[component] = new ComponentHealth(component, isHealthy, reason, since);
        }
    }
}
