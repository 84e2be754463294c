namespace StreamRnn.Engine.Alerts;

/// <summary>
/// Scores alerts against the events they were meant to announce, per key, with no model in the loop: a pure function
/// of alert times, event times and the watched spans.
/// </summary>
/// <remarks>
/// With W the window and D ≥ 0 the grace after the event (0 unless given), an alert at a is true iff its key has an
/// event e with a − D ≤ e ≤ a + W; an event e is detected iff its key has an alert a with e − W ≤ a ≤ e + D, and its
/// lead time is e − (the earliest such a), negative for an alert up to D after the event. D = 0 scores anticipation
/// (the alert comes before the exit); D &gt; 0 scores detection as exit detectors are scored (the alert may follow the
/// exit by up to D). An alert at the very reading of the event counts (lead time 0: detection rather than
/// prediction, visible in the lead times).
/// precision = true alerts / alerts; recall = detected events / events; false alerts per hour = (alerts − true alerts)
/// / Σ_key (last − first reading) in hours. Percentiles interpolate linearly between order statistics:
/// P(q) = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋), h = (n − 1)q over the ascending lead times.
/// </remarks>
public static class AlertQualityEvaluator
{
    public static AlertQuality Evaluate(IEnumerable<KeyedInstant> alerts, IEnumerable<KeyedInstant> events,
        IEnumerable<MonitoredSpan> spans, TimeSpan window) => Evaluate(alerts, events, spans, window, TimeSpan.Zero);

    /// <summary>Alert quality with a grace D = <paramref name="grace"/> after each event (see the remarks).</summary>
    public static AlertQuality Evaluate(IEnumerable<KeyedInstant> alerts, IEnumerable<KeyedInstant> events,
        IEnumerable<MonitoredSpan> spans, TimeSpan window, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        long w = (long)window.TotalMilliseconds, d = (long)grace.TotalMilliseconds;
        var alertsByKey = ByKey(alerts);
        var eventsByKey = ByKey(events);

        int alertCount = 0, trueAlerts = 0;
        foreach (var (key, times) in alertsByKey)
        {
            eventsByKey.TryGetValue(key, out var keyEvents);
            foreach (long a in times)
            {
                alertCount++;
                if (keyEvents is not null && FirstAtOrAfter(keyEvents, a - d) is var i && i < keyEvents.Count && keyEvents[i] - a <= w)
                {
                    trueAlerts++;
                }
            }
        }

        int eventCount = 0;
        var leads = new List<double>();
        foreach (var (key, times) in eventsByKey)
        {
            alertsByKey.TryGetValue(key, out var keyAlerts);
            foreach (long e in times)
            {
                eventCount++;
                if (keyAlerts is not null && FirstAtOrAfter(keyAlerts, e - w) is var i && i < keyAlerts.Count && keyAlerts[i] <= e + d)
                {
                    leads.Add((e - keyAlerts[i]) / 1000.0);
                }
            }
        }

        double hours = 0;
        foreach (var span in spans)
        {
            hours += Math.Max(0, span.EndUnixMs - span.StartUnixMs) / 3_600_000.0;
        }

        leads.Sort();
        return new AlertQuality(
            window.TotalSeconds,
            alertCount,
            trueAlerts,
            eventCount,
            leads.Count,
            alertCount == 0 ? double.NaN : (double)trueAlerts / alertCount,
            eventCount == 0 ? double.NaN : (double)leads.Count / eventCount,
            hours,
            hours > 0 ? (alertCount - trueAlerts) / hours : double.NaN,
            Percentile(leads, 0.5),
            Percentile(leads, 0.1),
            Percentile(leads, 0.9),
            leads)
        {
            GraceSeconds = grace.TotalSeconds,
        };
    }

    /// <summary>Linear interpolation between order statistics of an ascending list; NaN when empty.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        double h = (sorted.Count - 1) * q;
        int low = (int)Math.Floor(h);
        int high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    private static Dictionary<string, List<long>> ByKey(IEnumerable<KeyedInstant> instants)
    {
        var byKey = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var instant in instants)
        {
            if (!byKey.TryGetValue(instant.Key, out var list))
            {
                byKey[instant.Key] = list = [];
            }

            list.Add(instant.UnixMs);
        }

        foreach (var list in byKey.Values)
        {
            list.Sort();
        }

        return byKey;
    }

    private static int FirstAtOrAfter(List<long> sorted, long value)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (sorted[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
