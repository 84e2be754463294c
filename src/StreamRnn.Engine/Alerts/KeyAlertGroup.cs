using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace StreamRnn.Engine.Alerts;

/// <summary>
/// One key's rules, built once when the key appears: a long-lived subject of its readings, Scan over
/// <see cref="KeyAlertState.Next"/> (the state kept in <see cref="State"/> so it can be persisted), and the idle
/// watch Window(KeyIdleTimeout) → Any → first empty window, which ends the group.
/// </summary>
internal sealed class KeyAlertGroup : IObserver<KeyAlertState>, IDisposable
{
    private readonly Subject<AlertReading> _readings = new();
    private readonly AlertRules _rules;
    private readonly KeyedAlertRules _owner;
    private readonly IDisposable _rulesSubscription;
    private readonly IDisposable _idleSubscription;
    private bool _completed;

    public KeyAlertGroup(string key, KeyAlertState seed, AlertRules rules, KeyedAlertRules owner)
    {
        Key = key;
        State = seed;
        _rules = rules;
        _owner = owner;
        _rulesSubscription = _readings.Scan(seed, rules.Step).Subscribe(this);
        _idleSubscription = _readings
            .Window(rules.Options.KeyIdleTimeout, rules.Scheduler)
            .SelectMany(window => window.Any())
            .Where(any => !any)
            .Take(1)
            .Subscribe(_ => owner.End(this));
    }

    public string Key { get; }

    /// <summary>The state after the key's last reading (or the seed).</summary>
    public KeyAlertState State { get; private set; }

    public void OnNext(in AlertReading reading) => _readings.OnNext(reading);

    /// <summary>Ends the readings: the Scan completes and a raised alert is cleared as forgotten.</summary>
    public void Complete()
    {
        if (!_completed)
        {
            _completed = true;
            _readings.OnCompleted();
        }
    }

    void IObserver<KeyAlertState>.OnNext(KeyAlertState value)
    {
        State = value;
        if (value.Emitted is { } alert)
        {
            _owner.Emit(alert);
        }
    }

    void IObserver<KeyAlertState>.OnError(Exception error)
    {
        // The subject never fails: errors of the source stop the whole rule set in KeyedAlertRules instead.
    }

    void IObserver<KeyAlertState>.OnCompleted()
    {
        if (State.IsRaised)
        {
            _owner.Emit(_rules.Forgotten(State));
        }
    }

    public void Dispose()
    {
        _completed = true;
        _rulesSubscription.Dispose();
        _idleSubscription.Dispose();
    }
}
