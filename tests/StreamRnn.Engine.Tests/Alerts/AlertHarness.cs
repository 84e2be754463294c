using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using StreamRnn.Engine.Alerts;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Feeds readings to <see cref="AlertRules"/> at virtual times on a <see cref="HistoricalScheduler"/> (clock = event
/// time, starting at the Unix epoch) and records every output with the virtual time it appeared at.
/// </summary>
internal sealed class AlertHarness : IDisposable
{
    private readonly Subject<AlertReading> _readings = new();
    private readonly IDisposable _subscription;

    public AlertHarness(AlertOptions options)
    {
        Scheduler = new HistoricalScheduler(DateTimeOffset.UnixEpoch);
        _subscription = new AlertRules(options, Scheduler).Apply(_readings)
            .Subscribe(alert => Events.Add((alert, Scheduler.Now)), error => Error = error, () => Completed = true);
    }

    public HistoricalScheduler Scheduler { get; }

    public List<(AlertEvent Alert, DateTimeOffset At)> Events { get; } = [];

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    /// <summary>Schedules a reading of <paramref name="key"/> with q at <paramref name="seconds"/> of event time.</summary>
    public void At(double seconds, string key, double q, long version = 1)
    {
        var time = DateTimeOffset.UnixEpoch.AddSeconds(seconds);
        Scheduler.ScheduleAbsolute(time, () => _readings.OnNext(new AlertReading(key, time.ToUnixTimeMilliseconds(), q, version)));
    }

    /// <summary>Readings of one key every second from <paramref name="start"/>, one per value.</summary>
    public void Series(double start, string key, params double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            At(start + i, key, values[i]);
        }
    }

    public void RunTo(double seconds) => Scheduler.AdvanceTo(DateTimeOffset.UnixEpoch.AddSeconds(seconds));

    public void Fail(Exception error) => _readings.OnError(error);

    public static AlertOptions Options() => new()
    {
        Event = "exit",
        Watch = WatchedProbability.Target,
        Window = TimeSpan.FromSeconds(15),
        Threshold = 0.7,
        ClearThreshold = 0.4,
        MinReadings = 3,
        Cooldown = TimeSpan.FromSeconds(30),
        CriticalThreshold = 0.9,
        KeyIdleTimeout = TimeSpan.FromMinutes(10),
    };

    public void Dispose() => _subscription.Dispose();
}
