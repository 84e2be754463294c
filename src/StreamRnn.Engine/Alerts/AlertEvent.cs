namespace StreamRnn.Engine.Alerts;

/// <summary>A raise or a clear, as written to the alert topic.</summary>
/// <param name="Key">The series key.</param>
/// <param name="EventTimeUnixMs">Event time of the reading that caused it (for an idle clear: the rules' clock).</param>
/// <param name="Transition">Raised or cleared.</param>
/// <param name="Severity">The alert's severity (a clear repeats the severity it was raised with).</param>
/// <param name="Probability">q of the reading that caused it (for an idle clear: of the key's last reading).</param>
/// <param name="Reason">Why, e.g. "p(exit within 15 s) ≥ 0.7 for 3 readings".</param>
/// <param name="ModelVersion">Version of the weights that made the reading's prediction.</param>
public sealed record AlertEvent(
    string Key,
    long EventTimeUnixMs,
    AlertTransition Transition,
    string Severity,
    double Probability,
    string Reason,
    long ModelVersion);
