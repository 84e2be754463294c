using System.Globalization;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Engine.Alerts;

/// <summary>
/// Alert rules of a pipeline with a Binary head (section "Alerts"; absent = no alerts). Plain settable properties,
/// so it binds from configuration and loads from a pipeline file; <see cref="Validate"/> names every bad setting.
/// </summary>
/// <remarks>
/// Per key, with q the watched probability of each prediction (see <see cref="Watch"/>) and t its event time:
/// raise when q ≥ Threshold for MinReadings consecutive readings and for RaiseK of the last RaiseN readings (k-of-n
/// smoothing, off at 1-of-1), t ≥ the end of the cooldown and the key is armed;
/// once raised, clear at the first reading with q &lt; ClearThreshold (between the two thresholds nothing changes:
/// hysteresis). With ArmReadings = N &gt; 0 a key is armed only after N consecutive readings with q &lt; ClearThreshold
/// since its start or its last clear (the clearing reading counts), and a raise disarms it; with ArmAfter &gt; 0 that
/// calm stretch must also have lasted ArmAfter of event time (from its first reading to the current one). A raise
/// or a clear at t starts a cooldown until t + Cooldown during which no new alert is raised. Severity is
/// CriticalSeverity when the raising reading has q ≥ CriticalThreshold, else Severity. All spans are event time.
/// </remarks>
public sealed class AlertOptions
{
    /// <summary>Longest span accepted for Cooldown and Window.</summary>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(1);

    /// <summary>What the alert is about, for the reason text: "p(exit within 15 s) ≥ 0.7 for 3 readings".</summary>
    public string Event { get; set; } = "event";

    /// <summary>
    /// What the watched probability is the probability of, for the reason text, as the pipeline's target defines it
    /// (bed exit: "out of bed now or at the next reading"); null = "<see cref="Event"/> within <see cref="Window"/>",
    /// right for a target labelled over W (such as exit_within_15s).
    /// </summary>
    public string? Label { get; set; }

    /// <summary>Target: alert on p; Complement: alert on 1 − p (the target marks the safe state, e.g. in_bed).</summary>
    public WatchedProbability Watch { get; set; } = WatchedProbability.Target;

    /// <summary>W: the event is expected within this span of an alert; the horizon of the label the alert stands for.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>q at or above which a reading counts towards raising.</summary>
    public double Threshold { get; set; } = 0.7;

    /// <summary>q below which a raised alert clears; below <see cref="Threshold"/>.</summary>
    public double ClearThreshold { get; set; } = 0.4;

    /// <summary>Consecutive readings with q ≥ Threshold needed to raise.</summary>
    public int MinReadings { get; set; } = 3;

    /// <summary>
    /// k of k-of-n smoothing: besides the run of <see cref="MinReadings"/>, at least this many of the key's last
    /// <see cref="RaiseN"/> readings (this one included) must have q ≥ Threshold to raise. 1-of-1 (default) = off.
    /// </summary>
    public int RaiseK { get; set; } = 1;

    /// <summary>n of k-of-n smoothing (1 to 64): how many of the key's latest readings <see cref="RaiseK"/> counts in.</summary>
    public int RaiseN { get; set; } = 1;

    /// <summary>
    /// Arming, as bed-exit alarms do (they arm once the patient is in bed): a key can raise only after this many
    /// consecutive readings with q &lt; <see cref="ClearThreshold"/> since its first reading or its last clear; a raise
    /// disarms it. 0 (default) = off: every key is always armed. So a key first seen in the alert state ("out of bed")
    /// never alerts until it was calm for N readings.
    /// </summary>
    public int ArmReadings { get; set; }

    /// <summary>
    /// Arming by event time: besides <see cref="ArmReadings"/>, the calm stretch (consecutive readings with
    /// q &lt; <see cref="ClearThreshold"/>) must have lasted this long, from its first reading to the current one, before
    /// the key arms. A span, not a count, because readings arrive irregularly (an RFID tag is read 0.5 to 10 times a
    /// second): N readings are 10 s in one trial and 1 s in the next. Zero (default) = off.
    /// </summary>
    public TimeSpan ArmAfter { get; set; }

    /// <summary>True when keys must arm before raising (ArmReadings &gt; 0 or ArmAfter &gt; 0).</summary>
    internal bool Arms => ArmReadings > 0 || ArmAfter > TimeSpan.Zero;

    /// <summary>After a raise or a clear, no new alert is raised for this span of event time.</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Severity of an alert raised with q below <see cref="CriticalThreshold"/>.</summary>
    public string Severity { get; set; } = "warning";

    /// <summary>q at or above which a raise is <see cref="CriticalSeverity"/>; null = never.</summary>
    public double? CriticalThreshold { get; set; } = 0.9;

    public string CriticalSeverity { get; set; } = "critical";

    /// <summary>
    /// A key without readings for between this span and twice it (event time) is forgotten; a raised alert is then
    /// cleared with the reason "no readings". Bounds memory when keys come and go.
    /// </summary>
    public TimeSpan KeyIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The severities an alert can have, for metric labels (a method, so configuration binding ignores it).</summary>
    public IReadOnlyList<string> SeverityNames() => CriticalThreshold is null ? [Severity] : [Severity, CriticalSeverity];

    /// <summary>
    /// Checks every setting; each error reads "&lt;prefix&gt;:&lt;Setting&gt;: &lt;problem&gt; (never the value)",
    /// e.g. "Pipelines:bed-exit:Alerts:ClearThreshold: must be below Threshold (0.7)". Empty means valid.
    /// </summary>
    public IReadOnlyList<string> Validate(string settingPrefix = "Alerts")
    {
        var errors = new List<string>();

        void Error(string setting, object? value, string problem) =>
            errors.Add(SettingProblem.Format($"{settingPrefix}:{setting}", value, problem));

        if (string.IsNullOrWhiteSpace(Event) || Event.Length > 64)
        {
            Error(nameof(Event), Event, "must be 1 to 64 characters naming what is alerted on (e.g. exit)");
        }

        if (Label is not null && (string.IsNullOrWhiteSpace(Label) || Label.Length > 96))
        {
            Error(nameof(Label), Label, "must be 1 to 96 characters saying what the probability is of, or null for Event within Window");
        }

        if (!Enum.IsDefined(Watch))
        {
            Error(nameof(Watch), Watch, $"must be one of {string.Join(", ", Enum.GetNames<WatchedProbability>())}");
        }

        CheckSpan(nameof(Window), Window, allowZero: false);
        CheckSpan(nameof(Cooldown), Cooldown, allowZero: true);
        // Comparisons with a bad Threshold would only repeat its error.
        bool thresholdValid = Threshold > 0 && Threshold <= 1;
        if (!thresholdValid)
        {
            Error(nameof(Threshold), Threshold, "must be a probability in (0, 1]");
        }

        if (!(ClearThreshold >= 0 && ClearThreshold < 1))
        {
            Error(nameof(ClearThreshold), ClearThreshold, "must be a probability in [0, 1)");
        }
        else if (thresholdValid && ClearThreshold >= Threshold)
        {
            Error(nameof(ClearThreshold), ClearThreshold,
                $"must be below Threshold ({SettingValue.Show(Threshold)}), or an alert would clear and raise on the same readings");
        }

        if (MinReadings is < 1 or > 10_000)
        {
            Error(nameof(MinReadings), MinReadings, "must be between 1 and 10000");
        }

        if (RaiseN is < 1 or > KeyAlertState.MaxRaiseN)
        {
            Error(nameof(RaiseN), RaiseN, "must be between 1 and 64");
        }
        else if (RaiseK < 1 || RaiseK > RaiseN)
        {
            Error(nameof(RaiseK), RaiseK, "must be between 1 and RaiseN");
        }

        if (ArmReadings is < 0 or > 10_000)
        {
            Error(nameof(ArmReadings), ArmReadings, "must be between 0 (no arming) and 10000");
        }

        if (ArmAfter < TimeSpan.Zero || ArmAfter > MaxSpan)
        {
            Error(nameof(ArmAfter), ArmAfter, "must be between 0 (no arming by time) and one day");
        }

        CheckSeverity(nameof(Severity), Severity);
        if (CriticalThreshold is { } critical)
        {
            if (!(critical >= 0 && critical <= 1) || (thresholdValid && critical < Threshold))
            {
                Error(nameof(CriticalThreshold), critical, $"must be between Threshold ({SettingValue.Show(Threshold)}) and 1, or null for no critical severity");
            }

            CheckSeverity(nameof(CriticalSeverity), CriticalSeverity);
            if (string.Equals(Severity, CriticalSeverity, StringComparison.Ordinal))
            {
                Error(nameof(CriticalSeverity), CriticalSeverity, "must differ from Severity");
            }
        }

        if (KeyIdleTimeout <= TimeSpan.Zero || KeyIdleTimeout > TimeSpan.FromDays(365))
        {
            Error(nameof(KeyIdleTimeout), KeyIdleTimeout, "must be positive and at most 365 days");
        }
        else if (KeyIdleTimeout <= Cooldown || KeyIdleTimeout <= Window)
        {
            Error(nameof(KeyIdleTimeout), KeyIdleTimeout,
                $"must be longer than Cooldown ({SettingValue.Show(Cooldown)}) and Window ({SettingValue.Show(Window)}): forgetting a key ends its cooldown");
        }

        return errors;

        void CheckSpan(string setting, TimeSpan value, bool allowZero)
        {
            if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero) || value > MaxSpan)
            {
                Error(setting, value, allowZero ? "must be between 00:00:00 and 1.00:00:00" : "must be positive and at most 1.00:00:00");
            }
        }

        void CheckSeverity(string setting, string? value)
        {
            if (string.IsNullOrEmpty(value) || value.Length > 32 || !IsLabelLike(value))
            {
                Error(setting, value, "must be 1 to 32 lower-case letters, digits, '_' or '-' (it is a metric label value)");
            }
        }
    }

    /// <summary>What p is of in the reason texts: <see cref="Label"/>, else "exit within 15 s" (Event within Window).</summary>
    public string ProbabilityOf() => Label ?? string.Create(CultureInfo.InvariantCulture, $"{Event} within {Window.TotalSeconds:0.###} s");

    /// <summary>The reason text of a raise: "p(exit within 15 s) ≥ 0.7 for 3 readings".</summary>
    public string RaiseReason(int readings) => string.Create(CultureInfo.InvariantCulture,
        $"p({ProbabilityOf()}) ≥ {Threshold:0.###} for {readings} reading{(readings == 1 ? "" : "s")}");

    /// <summary>The reason text of a k-of-n raise (RaiseN &gt; 1): "p(exit within 15 s) ≥ 0.7 for 2 of the last 3 readings".</summary>
    public string RaiseReason(int readings, int hits) => RaiseN == 1 ? RaiseReason(readings) : string.Create(CultureInfo.InvariantCulture,
        $"p({ProbabilityOf()}) ≥ {Threshold:0.###} for {hits} of the last {RaiseN} readings");

    /// <summary>The reason text of a clear: "p(exit within 15 s) &lt; 0.4".</summary>
    public string ClearReason() => string.Create(CultureInfo.InvariantCulture,
        $"p({ProbabilityOf()}) < {ClearThreshold:0.###}");

    /// <summary>The reason text of a clear because the key went silent.</summary>
    public string IdleReason() => string.Create(CultureInfo.InvariantCulture,
        $"no readings for {KeyIdleTimeout.TotalSeconds:0.###} s or more");

    private static bool IsLabelLike(string text)
    {
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
