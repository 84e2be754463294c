namespace StreamRnn.Engine.Alerts;

/// <summary>
/// One key's alert state, advanced reading by reading by <see cref="Next"/> (a pure function, so the Rx Scan that
/// drives it holds no hidden state). <see cref="Emitted"/> is the raise or clear the last reading caused, if any.
/// </summary>
/// <remarks>
/// With θ = Threshold, θ_c = ClearThreshold, N = ArmReadings:
/// Disarmed (N &gt; 0 or S = ArmAfter &gt; 0 only): calm = calm + 1 if q &lt; θ_c else 0, calmSince = t of the calm
/// stretch's first reading; armed iff calm ≥ max(N, 1) and t − calmSince ≥ S (nothing is raised meanwhile).
/// Armed, idle: run = run + 1 if q ≥ θ else 0; raise iff run ≥ MinReadings, hits ≥ RaiseK and t ≥ quietUntil; a
/// raise disarms. k-of-n (RaiseN = n &gt; 1): <see cref="Recent"/> keeps one bit per reading, bit 0 the newest, set iff
/// q ≥ θ, shifted in at every reading in every state and masked to n bits; hits = its population count; a raise
/// empties it. With n = 1 it stays 0 and hits is 1 iff q ≥ θ (the rule before k-of-n).
/// Raised: clear iff q &lt; θ_c; the clearing reading is the first calm one (calm = 1, calmSince = t), so N = 1 with
/// S = 0 re-arms at once.
/// A raise or clear at t sets quietUntil = t + Cooldown. A NaN q counts as below both thresholds for raising and
/// clearing (it breaks a run and clears) but is never calm, so a numerical problem neither raises nor arms.
/// With N = 0 and S = 0 every state is armed. Invariants: disarmed ⇒ Run = 0; armed ⇒ Calm = 0 (so one field of the persisted
/// form holds either, see <see cref="KeyAlertStateFormat"/>).
/// </remarks>
public readonly record struct KeyAlertState(
    bool IsRaised,
    bool IsArmed,
    int Run,
    int Calm,
    long QuietUntilUnixMs,
    string? RaisedSeverity,
    AlertReading Last,
    AlertEvent? Emitted,
    ulong Recent = 0,
    long CalmSinceUnixMs = 0)
{
    /// <summary>Largest <see cref="AlertOptions.RaiseN"/>: <see cref="Recent"/> holds one bit per reading.</summary>
    public const int MaxRaiseN = 64;

    /// <summary>A key before its first reading: disarmed (armed at its first reading when it does not arm).</summary>
    public static KeyAlertState Initial => new(false, false, 0, 0, long.MinValue, null, default, null);

    /// <summary>The state after <paramref name="reading"/>.</summary>
    public KeyAlertState Next(in AlertReading reading, AlertOptions options)
    {
        double q = reading.Probability;
        long t = reading.EventTimeUnixMs;
        long cooldown = (long)options.Cooldown.TotalMilliseconds;
        bool calm = q < options.ClearThreshold; // false for NaN
        bool high = q >= options.Threshold; // false for NaN
        int n = options.RaiseN;
        ulong recent = n == 1 ? 0 : ((Recent << 1) | (high ? 1UL : 0)) & (n == MaxRaiseN ? ulong.MaxValue : (1UL << n) - 1);
        if (IsRaised)
        {
            if (q >= options.ClearThreshold)
            {
                return this with { Last = reading, Emitted = null, Recent = recent };
            }

            var cleared = new AlertEvent(reading.Key, t, AlertTransition.Cleared, RaisedSeverity!, q, options.ClearReason(), reading.ModelVersion);
            int first = calm ? 1 : 0;
            bool rearmed = !options.Arms || (calm && Armed(first, t, t, options));
            return new KeyAlertState(false, rearmed, 0, rearmed ? 0 : first, Math.Max(QuietUntilUnixMs, Saturating(t, cooldown)), null, reading, cleared, recent,
                rearmed || !calm ? 0 : t);
        }

        if (!IsArmed && options.Arms)
        {
            int calmRun = calm ? Calm + 1 : 0;
            long since = calmRun == 1 ? t : CalmSinceUnixMs;
            bool armed = calmRun > 0 && Armed(calmRun, since, t, options);
            // The arming reading is calm (q < θ_c < θ), so it cannot also start a run.
            return new KeyAlertState(false, armed, 0, armed ? 0 : calmRun, QuietUntilUnixMs, null, reading, null, recent,
                armed || calmRun == 0 ? 0 : since);
        }

        int run = high ? Run + 1 : 0;
        int hits = n == 1 ? (high ? 1 : 0) : System.Numerics.BitOperations.PopCount(recent);
        if (run < options.MinReadings || hits < options.RaiseK || t < QuietUntilUnixMs)
        {
            return new KeyAlertState(false, true, run, 0, QuietUntilUnixMs, null, reading, null, recent);
        }

        string severity = options.CriticalThreshold is { } critical && q >= critical ? options.CriticalSeverity : options.Severity;
        var raised = new AlertEvent(reading.Key, t, AlertTransition.Raised, severity, q, options.RaiseReason(run, hits), reading.ModelVersion);
        return new KeyAlertState(true, !options.Arms, 0, 0, Saturating(t, cooldown), severity, reading, raised);
    }

    private static bool Armed(int calmRun, long since, long t, AlertOptions options) =>
        calmRun >= options.ArmReadings && t - since >= (long)options.ArmAfter.TotalMilliseconds;

    private static long Saturating(long t, long span) => t > long.MaxValue - span ? long.MaxValue : t + span;
}
