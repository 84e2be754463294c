using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace StreamRnn.Engine;

/// <summary>
/// The alert rules as an Rx operator: readings in, raises and clears out, one <see cref="KeyAlertState"/> machine
/// per key. Time-based behaviour (forgetting idle keys) runs on the injected scheduler, so tests drive it in virtual
/// time and <see cref="AlertMonitor"/> drives it in event time.
/// </summary>
/// <remarks>
/// readings → GroupByUntil(key, until the key's first empty KeyIdleTimeout window) → Scan(KeyAlertState.Next) →
/// the emitted events, plus a "cleared" when a group ends while raised. The idle check uses one timer per key per
/// KeyIdleTimeout (Window), not one per reading (a Throttle would queue a timer for every reading), so a silent key
/// is forgotten after between one and two KeyIdleTimeout spans. Errors of the source pass through to the subscriber.
/// </remarks>
public sealed class AlertRules
{
    private readonly AlertOptions _options;
    private readonly IScheduler _scheduler;

    /// <param name="options">Validated here; errors name "Alerts:&lt;Setting&gt;".</param>
    /// <param name="scheduler">Clock of the idle timeout.</param>
    public AlertRules(AlertOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidPipelineException(errors);
        }

        _options = options;
        _scheduler = scheduler;
    }

    public AlertOptions Options => _options;

    /// <summary>Applies the rules to <paramref name="readings"/> (which must be serialised, as Rx requires).</summary>
    public IObservable<AlertEvent> Apply(IObservable<AlertReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        var idle = _options.KeyIdleTimeout;
        return readings
            .GroupByUntil(
                reading => reading.Key,
                group => group.Window(idle, _scheduler).SelectMany(window => window.Any()).Where(any => !any),
                StringComparer.Ordinal)
            .SelectMany(group => group
                .Scan(KeyAlertState.Initial, (state, reading) => state.Next(reading, _options))
                .Publish(states => states
                    .Where(state => state.Emitted is not null)
                    .Select(state => state.Emitted!)
                    .Merge(states
                        .LastOrDefaultAsync()
                        .Where(state => state.IsRaised)
                        .Select(Forgotten))));
    }

    private AlertEvent Forgotten(KeyAlertState state) => new(
        state.Last.Key,
        Math.Max(state.Last.EventTimeUnixMs, _scheduler.Now.ToUnixTimeMilliseconds()),
        AlertTransition.Cleared,
        state.RaisedSeverity!,
        state.Last.Probability,
        _options.IdleReason(),
        state.Last.ModelVersion);
}
