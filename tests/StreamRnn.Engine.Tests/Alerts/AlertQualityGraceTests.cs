using StreamRnn.Engine.Alerts;

namespace StreamRnn.Engine.Tests;

/// <summary>Alert quality scored as detection: a grace D after the event within which a late alert still counts.</summary>
[Trait("Category", "Unit")]
public sealed class AlertQualityGraceTests
{
    private static KeyedInstant At(string key, double seconds) => new(key, (long)Math.Round(seconds * 1000));

    private static readonly KeyedInstant[] Alerts =
    [
        At("A", 95),    // 5 s before the exit at 100: true either way, lead 5
        At("A", 203),   // 3 s after the exit at 200: true only with D ≥ 3, lead −3
        At("A", 305.5), // 5.5 s after the exit at 300: false with D = 5
        At("B", 55),    // exactly D = 5 s after the exit at 50: true with D = 5, lead −5
    ];

    private static readonly KeyedInstant[] Exits = [At("A", 100), At("A", 200), At("A", 300), At("B", 50)];

    private static readonly MonitoredSpan[] Spans = [new("A", 0, 1_800_000), new("B", 0, 1_800_000)];

    [Fact]
    public void Without_grace_an_alert_after_the_exit_is_false_and_the_exit_missed()
    {
        var quality = AlertQualityEvaluator.Evaluate(Alerts, Exits, Spans, TimeSpan.FromSeconds(15));
        Assert.Equal(0, quality.GraceSeconds);
        Assert.Equal((4, 1, 4, 1), (quality.Alerts, quality.TrueAlerts, quality.Events, quality.DetectedEvents));
        Assert.Equal([5.0], quality.LeadTimesSeconds);
        Assert.Equal(3, quality.FalseAlertsPerHour, 12);
    }

    [Fact]
    public void With_grace_an_alert_up_to_D_after_the_exit_detects_it_with_a_negative_lead_time()
    {
        var quality = AlertQualityEvaluator.Evaluate(Alerts, Exits, Spans, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5));
        Assert.Equal(5, quality.GraceSeconds);
        Assert.Equal((4, 3, 4, 3), (quality.Alerts, quality.TrueAlerts, quality.Events, quality.DetectedEvents));
        Assert.Equal(0.75, quality.Precision);
        Assert.Equal(0.75, quality.Recall);
        Assert.Equal([-5.0, -3.0, 5.0], quality.LeadTimesSeconds);
        Assert.Equal(-3, quality.LeadTimeMedianSeconds);
        Assert.Equal(1, quality.FalseAlertsPerHour, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            AlertQualityEvaluator.Evaluate(Alerts, Exits, Spans, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void The_earliest_alert_in_the_widened_window_gives_the_lead_time()
    {
        // Alerts 10 s before and 2 s after one exit: detected once, by the earlier alert; both alerts are true.
        var quality = AlertQualityEvaluator.Evaluate([At("A", 90), At("A", 102)], [At("A", 100)], Spans,
            TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5));
        Assert.Equal((2, 2, 1, 1), (quality.Alerts, quality.TrueAlerts, quality.Events, quality.DetectedEvents));
        Assert.Equal([10.0], quality.LeadTimesSeconds);
    }
}
