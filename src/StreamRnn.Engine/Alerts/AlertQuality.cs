namespace StreamRnn.Engine.Alerts;

/// <summary>How useful a set of alerts was, as the nurse sees it; see <see cref="AlertQualityEvaluator"/>.</summary>
/// <param name="WindowSeconds">W, the span within which an alert must precede the event.</param>
/// <param name="Alerts">Alerts raised.</param>
/// <param name="TrueAlerts">Alerts with an event of the same key at −D ≤ event − alert ≤ W.</param>
/// <param name="Events">Events observed (e.g. bed exits).</param>
/// <param name="DetectedEvents">Events preceded by an alert of the same key within W (or followed by one within the grace D).</param>
/// <param name="Precision">TrueAlerts / Alerts; NaN without alerts.</param>
/// <param name="Recall">DetectedEvents / Events; NaN without events.</param>
/// <param name="MonitoredHours">Σ over keys of (last − first reading), in hours ("bed-hours").</param>
/// <param name="FalseAlertsPerHour">(Alerts − TrueAlerts) / MonitoredHours; NaN when nothing was monitored.</param>
/// <param name="LeadTimeMedianSeconds">Median lead time of detected events, NaN if none.</param>
/// <param name="LeadTimeP10Seconds">10th percentile of lead times.</param>
/// <param name="LeadTimeP90Seconds">90th percentile of lead times.</param>
/// <param name="LeadTimesSeconds">Lead time of each detected event (event − the first alert from W before it to D after it; negative when after), ascending.</param>
public sealed record AlertQuality(
    double WindowSeconds,
    int Alerts,
    int TrueAlerts,
    int Events,
    int DetectedEvents,
    double Precision,
    double Recall,
    double MonitoredHours,
    double FalseAlertsPerHour,
    double LeadTimeMedianSeconds,
    double LeadTimeP10Seconds,
    double LeadTimeP90Seconds,
    IReadOnlyList<double> LeadTimesSeconds)
{
    /// <summary>D, the span after an event within which an alert still counts (0: the alert must come first).</summary>
    public double GraceSeconds { get; init; }
}
