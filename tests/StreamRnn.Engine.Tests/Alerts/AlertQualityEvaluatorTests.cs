using StreamRnn.Engine.Alerts;

namespace StreamRnn.Engine.Tests;

/// <summary>Alert quality as the nurse sees it, on a hand-worked example with every boundary case.</summary>
[Trait("Category", "Unit")]
public sealed class AlertQualityEvaluatorTests
{
    private static KeyedInstant At(string key, double seconds) => new(key, (long)Math.Round(seconds * 1000));

    [Fact]
    public void Counts_true_and_false_alerts_detected_and_missed_events_and_lead_times()
    {
        KeyedInstant[] alerts =
        [
            At("A", 100), At("A", 200), At("A", 300), // 100 → exit at 110 (true); 200 and 300 have no exit within 15 s
            At("B", 50),                              // exit at the same reading: true, lead 0
            At("D", 20),                              // no exit at all: false
            At("E", 0),                               // exit 15.001 s later: just outside W, false
        ];
        KeyedInstant[] exits =
        [
            At("A", 110), At("A", 400),               // 400: the last alert was 100 s before, missed
            At("B", 50), At("B", 65),                 // 65: the alert at 50 is exactly W before, detected with lead 15
            At("C", 10),                              // no alert for C: missed
            At("E", 15.001),
        ];
        MonitoredSpan[] spans = [new("A", 0, 3_600_000), new("B", 0, 1_800_000), new("C", 5, 5), new("D", 0, 0)];

        var quality = AlertQualityEvaluator.Evaluate(alerts, exits, spans, TimeSpan.FromSeconds(15));

        Assert.Equal(15, quality.WindowSeconds);
        Assert.Equal((6, 2, 6, 3), (quality.Alerts, quality.TrueAlerts, quality.Events, quality.DetectedEvents));
        Assert.Equal(2.0 / 6, quality.Precision, 15);
        Assert.Equal(0.5, quality.Recall);
        Assert.Equal(1.5, quality.MonitoredHours);
        Assert.Equal(4 / 1.5, quality.FalseAlertsPerHour, 15);
        Assert.Equal([0.0, 10.0, 15.0], quality.LeadTimesSeconds);
        Assert.Equal(10, quality.LeadTimeMedianSeconds);
        Assert.Equal(2, quality.LeadTimeP10Seconds, 12);
        Assert.Equal(14, quality.LeadTimeP90Seconds, 12);
    }

    [Fact]
    public void The_lead_time_is_taken_from_the_earliest_alert_inside_the_window()
    {
        var quality = AlertQualityEvaluator.Evaluate([At("A", 90), At("A", 96), At("A", 104)], [At("A", 105)], [], TimeSpan.FromSeconds(10));

        Assert.Equal([9.0], quality.LeadTimesSeconds);
        Assert.Equal((3, 2), (quality.Alerts, quality.TrueAlerts));
        Assert.True(double.IsNaN(quality.FalseAlertsPerHour));
    }

    [Fact]
    public void Nothing_to_score_gives_NaN_not_zero()
    {
        var quality = AlertQualityEvaluator.Evaluate([], [], [new MonitoredSpan("A", 0, 7_200_000)], TimeSpan.FromSeconds(15));

        Assert.True(double.IsNaN(quality.Precision));
        Assert.True(double.IsNaN(quality.Recall));
        Assert.True(double.IsNaN(quality.LeadTimeMedianSeconds));
        Assert.Equal(0, quality.FalseAlertsPerHour);
        Assert.Equal(2, quality.MonitoredHours);
    }

    [Theory]
    [InlineData(new[] { 4.0 }, 0.9, 4.0)]
    [InlineData(new[] { 1.0, 2.0 }, 0.5, 1.5)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0 }, 0.1, 1.4)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0 }, 1.0, 5.0)]
    public void Percentiles_interpolate_between_order_statistics(double[] sorted, double q, double expected)
    {
        Assert.Equal(expected, AlertQualityEvaluator.Percentile(sorted, q), 12);
    }
}
