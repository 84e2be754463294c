using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using Prometheus;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Alerts;

/// <summary>
/// Connects a runtime's predictions to its pipeline's <see cref="AlertRules"/>: each Binary-head prediction becomes a
/// reading (q = p or 1 − p), raises and clears are written to the sink of the Process call that caused them and
/// counted in streamrnn_alerts_raised_total{pipeline,severity} and streamrnn_alerts_cleared_total{pipeline}.
/// </summary>
/// <remarks>
/// <para>The rules' clock is event time: a <see cref="HistoricalScheduler"/> advanced to each prediction's event
/// time (never backwards) before the reading is pushed, so idle keys are forgotten on the runtime's thread, inside a
/// Process call, identically in the daemon and in a backtest. Nothing here is thread-safe; like the runtime, it is
/// owned by one thread.</para>
/// <para>If the rules fail (OnError), the failure is counted in <see cref="Faults"/> and kept in
/// <see cref="LastError"/>, and the rules start again with every key idle: alerts go on rather than stop silently.</para>
/// </remarks>
public sealed class AlertMonitor : IPredictionObserver, IKeyStateExtension, IDisposable
{
    /// <summary>Bytes of one key's alert state in its changelog value.</summary>
    internal const int StateBytes = KeyAlertStateFormat.Bytes;

    private readonly AlertRules _rules;
    private readonly HistoricalScheduler _clock;
    private readonly AlertRecordWriter _writer;
    private readonly WatchedProbability _watch;
    private readonly Dictionary<string, Counter.Child>? _raisedMetrics;
    private readonly Counter.Child? _clearedMetric;
    private Subject<AlertReading> _readings = new();
    private readonly Action<AlertEvent> _publish;
    private readonly Action<Exception> _restart;

    // Restored states wait here until the clock has moved to event time: seeded at once, their idle windows would count
    // from the Unix epoch and end at the first reading.
    private readonly Dictionary<string, KeyAlertState> _restored = new(StringComparer.Ordinal);
    private KeyedAlertRules? _keys;
    private IRecordSink? _sink;
    private InputRecord _source;
    private long _raised, _cleared, _faults;
    private bool _disposed;

    /// <param name="pipeline">The pipeline name written into each alert record and metric label.</param>
    /// <param name="options">The rules (validated).</param>
    /// <param name="metrics">Optional metrics; the alert series of every severity are created at once.</param>
    /// <param name="clock">The event-time clock; a new one when null. Tests pass one to read its time.</param>
    public AlertMonitor(string pipeline, AlertOptions options, StreamRnnMetrics? metrics = null, HistoricalScheduler? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        Pipeline = pipeline;
        _clock = clock ?? new HistoricalScheduler(DateTimeOffset.UnixEpoch);
        _rules = new AlertRules(options, _clock);
        _writer = new AlertRecordWriter(pipeline);
        _watch = options.Watch;
        if (metrics is not null)
        {
            _raisedMetrics = new Dictionary<string, Counter.Child>(StringComparer.Ordinal);
            foreach (string severity in options.SeverityNames())
            {
                _raisedMetrics[severity] = metrics.AlertsRaised.WithLabels(pipeline, severity);
            }

            _clearedMetric = metrics.AlertsCleared.WithLabels(pipeline);
        }

        _publish = Publish;
        _restart = Restart;
        Subscribe();
    }

    /// <summary>The monitor for <paramref name="definition"/>, or null when it has no Alerts section.</summary>
    public static AlertMonitor? Create(PipelineDefinition definition, StreamRnnMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Alerts is null)
        {
            return null;
        }

        if (!definition.Model.Head.IsClassifier())
        {
            throw new InvalidPipelineException(
                [$"Pipelines:{definition.Name}:Alerts: alert rules need a Binary or Categorical head (they watch a probability)"]);
        }

        return new AlertMonitor(definition.Name, definition.Alerts, metrics);
    }

    public string Pipeline { get; }

    public AlertOptions Options => _rules.Options;

    /// <summary>Alerts raised since creation.</summary>
    public long Raised => _raised;

    /// <summary>Alerts cleared since creation (by a reading or because the key went silent).</summary>
    public long Cleared => _cleared;

    /// <summary>Times the rules failed and were restarted.</summary>
    public long Faults => _faults;

    public Exception? LastError { get; private set; }

    /// <summary>The rules' event-time clock (the latest event time seen).</summary>
    public DateTimeOffset Now => _clock.Now;

    public void OnPrediction(in PredictionEvent prediction, in InputRecord source, IRecordSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ObjectDisposedException.ThrowIf(_disposed, this);
        double q = _watch == WatchedProbability.Complement ? 1 - prediction.Mean : prediction.Mean;
        _sink = sink;
        _source = source;
        try
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(prediction.EventTimeUnixMs);
            if (time > _clock.Now)
            {
                // Forgets keys that went silent before this reading: their clears go to this call's sink.
                _clock.AdvanceTo(time);
            }

            if (_restored.Count > 0)
            {
                SeedRestored();
            }

            _readings.OnNext(new AlertReading(prediction.Key, prediction.EventTimeUnixMs, q, prediction.ModelVersion));
        }
        finally
        {
            _sink = null;
            _source = default;
        }
    }

    /// <summary>Keys whose restored alert state waits for the next prediction to be seeded into the rules.</summary>
    internal int PendingRestores => _restored.Count;

    void IKeyStateExtension.Write(string key, Span<byte> destination)
    {
        if (_keys is not null && _keys.TryGetState(key, out var state) || _restored.TryGetValue(key, out state))
        {
            KeyAlertStateFormat.Write(state, _rules.Options, destination);
        }
        else
        {
            destination.Clear();
        }
    }

    void IKeyStateExtension.Read(string key, ReadOnlySpan<byte> source)
    {
        _keys?.Forget(key);
        if (KeyAlertStateFormat.TryRead(source, key, _rules.Options, out var state))
        {
            _restored[key] = state;
        }
        else
        {
            _restored.Remove(key);
        }
    }

    void IKeyStateExtension.Forget(string key)
    {
        _keys?.Forget(key);
        _restored.Remove(key);
    }

    private void SeedRestored()
    {
        foreach (var (key, state) in _restored)
        {
            _keys?.Seed(key, state);
        }

        _restored.Clear();
    }

    /// <summary>Test seam: makes the rules fail as a faulty operator would.</summary>
    internal void InjectFault(Exception error) => _readings.OnError(error);

    /// <summary>
    /// Stops the rules without clearing raised alerts: a restarted daemon takes each key's alert state back from the
    /// key's changelog value (see <see cref="KeyAlertStateFormat"/>) and goes on from it.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _keys?.Dispose();
        _readings.Dispose();
    }

    private void Subscribe()
    {
        // A new observer each time: an Rx observer stays stopped after OnError.
        _keys = _rules.Attach(_readings, Observer.Create(_publish, _restart));
    }

    private void Publish(AlertEvent alert)
    {
        var sink = _sink;
        if (sink is null)
        {
            // Only reachable if the clock moved outside a Process call, which nothing here does.
            return;
        }

        var json = _writer.Write(alert);
        sink.Alert(_writer.Key, json, _source);
        if (alert.Transition == AlertTransition.Raised)
        {
            _raised++;
            if (_raisedMetrics is not null && _raisedMetrics.TryGetValue(alert.Severity, out var counter))
            {
                counter.Inc();
            }
        }
        else
        {
            _cleared++;
            _clearedMetric?.Inc();
        }
    }

    private void Restart(Exception error)
    {
        _faults++;
        LastError = error;
        _keys?.Dispose();
        if (_disposed)
        {
            return;
        }

        // The failed subject is left to the collector: disposing it inside its own OnError would race its dispatch.
        _readings = new Subject<AlertReading>();
        Subscribe();
    }
}
