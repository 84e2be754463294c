namespace StreamRnn.Engine.Alerts;

/// <summary>
/// One subscription of <see cref="AlertRules"/>: routes each reading to its key's <see cref="KeyAlertGroup"/>
/// (created at the key's first reading, or from a restored state) and serialises everything the groups emit.
/// </summary>
/// <remarks>
/// A lock guards the groups and the output because the idle timers may run on another thread with a real scheduler;
/// with the <see cref="System.Reactive.Concurrency.HistoricalScheduler"/> of <see cref="AlertMonitor"/> everything
/// runs on the caller's thread and the lock is never contended.
/// </remarks>
internal sealed class KeyedAlertRules : IObserver<AlertReading>, IDisposable
{
    private readonly AlertRules _rules;
    private readonly IObserver<AlertEvent> _output;
    private readonly Dictionary<string, KeyAlertGroup> _groups = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private IDisposable? _source;
    private bool _stopped;

    public KeyedAlertRules(AlertRules rules, IObserver<AlertEvent> output)
    {
        _rules = rules;
        _output = output;
    }

    /// <summary>Keys with a live machine.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _groups.Count;
            }
        }
    }

    public void Connect(IObservable<AlertReading> readings) => _source = readings.Subscribe(this);

    /// <summary>The current state of <paramref name="key"/>'s machine, false when the key has none (never seen, or forgotten).</summary>
    public bool TryGetState(string key, out KeyAlertState state)
    {
        lock (_gate)
        {
            if (_groups.TryGetValue(key, out var group))
            {
                state = group.State;
                return true;
            }

            state = default;
            return false;
        }
    }

    /// <summary>
    /// Starts (or replaces, silently) <paramref name="key"/>'s machine from <paramref name="state"/>; its idle windows
    /// count from the scheduler's current time.
    /// </summary>
    public void Seed(string key, in KeyAlertState state)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_groups.Remove(key, out var old))
            {
                old.Dispose();
            }

            _groups.Add(key, new KeyAlertGroup(key, state with { Emitted = null }, _rules, this));
        }
    }

    /// <summary>Drops <paramref name="key"/>'s machine without a word (its partition moved to another instance).</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            if (_groups.Remove(key, out var group))
            {
                group.Dispose();
            }
        }
    }

    public void OnNext(AlertReading value)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (!_groups.TryGetValue(value.Key, out var group))
            {
                group = new KeyAlertGroup(value.Key, KeyAlertState.Initial, _rules, this);
                _groups.Add(value.Key, group);
            }

            group.OnNext(value);
        }
    }

    public void OnError(Exception error)
    {
        lock (_gate)
        {
            if (Stop())
            {
                _output.OnError(error);
            }
        }
    }

    /// <summary>The source ended: every key is forgotten (raised ones cleared), then the output completes.</summary>
    public void OnCompleted()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            foreach (var group in _groups.Values.ToList())
            {
                End(group);
            }

            Stop();
            _output.OnCompleted();
        }
    }

    /// <summary>From a group: a raise or a clear.</summary>
    internal void Emit(AlertEvent alert)
    {
        lock (_gate)
        {
            if (!_stopped)
            {
                _output.OnNext(alert);
            }
        }
    }

    /// <summary>From a group's idle timer: forget the key (a raised alert is cleared on the way).</summary>
    internal void End(KeyAlertGroup group)
    {
        lock (_gate)
        {
            if (_groups.TryGetValue(group.Key, out var current) && ReferenceEquals(current, group))
            {
                _groups.Remove(group.Key);
            }

            group.Complete();
            group.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            Stop();
        }
    }

    private bool Stop()
    {
        if (_stopped)
        {
            return false;
        }

        _stopped = true;
        _source?.Dispose();
        foreach (var group in _groups.Values)
        {
            group.Dispose();
        }

        _groups.Clear();
        return true;
    }
}
