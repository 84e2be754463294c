namespace StreamRnn.Engine;

/// <summary>
/// One key's alert state, advanced reading by reading by <see cref="Next"/> (a pure function, so the Rx Scan that
/// drives it holds no hidden state). <see cref="Emitted"/> is the raise or clear the last reading caused, if any.
/// </summary>
/// <remarks>
/// Idle: run = run + 1 if q ≥ θ else 0; raise iff run ≥ MinReadings and t ≥ quietUntil.
/// Raised: clear iff q &lt; θ_clear. A raise or clear at t sets quietUntil = t + Cooldown. A NaN q counts as below
/// both thresholds (it breaks a run and clears), so a numerical problem never raises.
/// </remarks>
public readonly record struct KeyAlertState(
    bool IsRaised,
    int Run,
    long QuietUntilUnixMs,
    string? RaisedSeverity,
    AlertReading Last,
    AlertEvent? Emitted)
{
    /// <summary>A key before its first reading.</summary>
    public static KeyAlertState Initial => new(false, 0, long.MinValue, null, default, null);

    /// <summary>The state after <paramref name="reading"/>.</summary>
    public KeyAlertState Next(in AlertReading reading, AlertOptions options)
    {
        double q = reading.Probability;
        long t = reading.EventTimeUnixMs;
        long cooldown = (long)options.Cooldown.TotalMilliseconds;
        if (IsRaised)
        {
            if (q >= options.ClearThreshold)
            {
                return this with { Last = reading, Emitted = null };
            }

            var cleared = new AlertEvent(reading.Key, t, AlertTransition.Cleared, RaisedSeverity!, q, options.ClearReason(), reading.ModelVersion);
            return new KeyAlertState(false, 0, Math.Max(QuietUntilUnixMs, Saturating(t, cooldown)), null, reading, cleared);
        }

        int run = q >= options.Threshold ? Run + 1 : 0;
        if (run < options.MinReadings || t < QuietUntilUnixMs)
        {
            return new KeyAlertState(false, run, QuietUntilUnixMs, null, reading, null);
        }

        string severity = options.CriticalThreshold is { } critical && q >= critical ? options.CriticalSeverity : options.Severity;
        var raised = new AlertEvent(reading.Key, t, AlertTransition.Raised, severity, q, options.RaiseReason(run), reading.ModelVersion);
        return new KeyAlertState(true, 0, Saturating(t, cooldown), severity, reading, raised);
    }

    private static long Saturating(long t, long span) => t > long.MaxValue - span ? long.MaxValue : t + span;
}
