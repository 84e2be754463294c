using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Engine.Tests;

/// <summary>The per-key alert state machine, driven in virtual time so every time in an assertion is exact.</summary>
[Trait("Category", "Unit")]
public sealed class AlertRulesTests
{
    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);

    [Fact]
    public void Raises_on_the_MinReadings_th_consecutive_reading_above_the_threshold_and_not_before()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "bed-1", 0.8, 0.75, 0.72, 0.95);

        harness.RunTo(1.5);
        Assert.Empty(harness.Events);
        harness.RunTo(10);

        var (alert, at) = Assert.Single(harness.Events);
        Assert.Equal(new AlertEvent("bed-1", Ms(2), AlertTransition.Raised, "warning", 0.72, "p(exit within 15 s) ≥ 0.7 for 3 readings", 1), alert);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(2), at);
    }

    [Fact]
    public void A_reading_below_the_threshold_restarts_the_count_and_a_critical_reading_raises_critical()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "bed-1", 0.8, 0.8, 0.69, 0.8, 0.8, 0.93);
        harness.RunTo(10);

        var (alert, _) = Assert.Single(harness.Events);
        Assert.Equal(Ms(5), alert.EventTimeUnixMs);
        Assert.Equal("critical", alert.Severity);
        Assert.Equal(0.93, alert.Probability);
    }

    [Fact]
    public void Readings_between_the_two_thresholds_neither_clear_nor_raise_again()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "bed-1", 0.8, 0.8, 0.8, 0.5, 0.65, 0.41, 0.69, 0.45, 0.4, 0.39, 0.5);
        harness.RunTo(20);

        Assert.Equal(2, harness.Events.Count);
        Assert.Equal(AlertTransition.Raised, harness.Events[0].Alert.Transition);
        Assert.Equal(new AlertEvent("bed-1", Ms(9), AlertTransition.Cleared, "warning", 0.39, "p(exit within 15 s) < 0.4", 1), harness.Events[1].Alert);
    }

    [Fact]
    public void No_alert_is_raised_during_the_cooldown_after_a_clear_and_the_first_reading_after_it_raises()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "bed-1", 0.8, 0.8, 0.8, 0.5, 0.5, 0.1);
        for (int s = 6; s < 35; s++)
        {
            harness.At(s, "bed-1", 0.8);
        }

        harness.At(34.999, "bed-1", 0.8);
        harness.At(35, "bed-1", 0.8);
        harness.RunTo(60);

        Assert.Equal([(AlertTransition.Raised, Ms(2)), (AlertTransition.Cleared, Ms(5)), (AlertTransition.Raised, Ms(35))],
            harness.Events.Select(e => (e.Alert.Transition, e.Alert.EventTimeUnixMs)));
        Assert.Equal("p(exit within 15 s) ≥ 0.7 for 31 readings", harness.Events[2].Alert.Reason);
    }

    [Fact]
    public void The_cooldown_also_runs_from_the_raise_when_an_alert_clears_at_once()
    {
        var options = AlertHarness.Options();
        options.MinReadings = 1;
        using var harness = new AlertHarness(options);
        harness.At(0, "bed-1", 0.8);
        harness.At(1, "bed-1", 0.1);
        harness.At(20, "bed-1", 0.8);
        harness.At(30.5, "bed-1", 0.8);
        harness.At(31, "bed-1", 0.8);
        harness.RunTo(40);

        Assert.Equal([(AlertTransition.Raised, Ms(0)), (AlertTransition.Cleared, Ms(1)), (AlertTransition.Raised, Ms(31))],
            harness.Events.Select(e => (e.Alert.Transition, e.Alert.EventTimeUnixMs)));
    }

    [Fact]
    public void Keys_are_independent_runs_cooldowns_and_states()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        // Interleaved: a's run is not broken by b's low readings, and a's cooldown does not hold b back.
        harness.At(0, "a", 0.8);
        harness.At(0.5, "b", 0.1);
        harness.At(1, "a", 0.8);
        harness.At(1.5, "b", 0.8);
        harness.At(2, "a", 0.8);
        harness.At(2.5, "b", 0.8);
        harness.At(3, "a", 0.1);
        harness.At(3.5, "b", 0.8);
        harness.At(4, "b", 0.1);
        harness.RunTo(10);

        Assert.Equal(
            [("a", AlertTransition.Raised, Ms(2)), ("a", AlertTransition.Cleared, Ms(3)), ("b", AlertTransition.Raised, Ms(3.5)), ("b", AlertTransition.Cleared, Ms(4))],
            harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs)));
    }

    [Fact]
    public void A_NaN_probability_never_raises_and_clears_a_raised_alert()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "a", 0.8, 0.8, double.NaN, 0.8, 0.8);
        harness.Series(0, "b", 0.8, 0.8, 0.8, double.NaN);
        harness.RunTo(10);

        Assert.Equal([("b", AlertTransition.Raised, Ms(2)), ("b", AlertTransition.Cleared, Ms(3))],
            harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs)));
    }

    [Fact]
    public void A_silent_key_is_forgotten_at_the_end_of_its_first_empty_idle_window_clearing_its_alert()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "a", 0.8, 0.8, 0.8);
        harness.Series(0, "b", 0.1, 0.1);
        harness.RunTo(1199);
        Assert.Single(harness.Events);

        // a's group opened at 0 s: the window [0, 600) had readings, [600, 1200) has none, so a is forgotten at 1200 s.
        harness.RunTo(1300);
        Assert.Equal(2, harness.Events.Count);
        var (cleared, at) = harness.Events[1];
        Assert.Equal(new AlertEvent("a", Ms(1200), AlertTransition.Cleared, "warning", 0.8, "no readings for 600 s or more", 1), cleared);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1200), at);

        // Forgotten means a fresh start: no cooldown left, and a new run of three readings is needed.
        harness.Series(1300, "a", 0.8, 0.8, 0.8);
        harness.RunTo(1310);
        Assert.Equal(3, harness.Events.Count);
        Assert.Equal((AlertTransition.Raised, Ms(1302)), (harness.Events[2].Alert.Transition, harness.Events[2].Alert.EventTimeUnixMs));
    }

    [Fact]
    public void A_forgotten_key_that_was_not_raised_says_nothing()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "a", 0.8, 0.8);
        harness.RunTo(5000);

        Assert.Empty(harness.Events);
    }

    [Fact]
    public void An_error_of_the_source_reaches_the_subscriber()
    {
        using var harness = new AlertHarness(AlertHarness.Options());
        harness.Series(0, "a", 0.8);
        harness.RunTo(1);
        var error = new InvalidOperationException("decoder broke");
        harness.Fail(error);

        Assert.Same(error, harness.Error);
        Assert.False(harness.Completed);
    }

    [Fact]
    public void Invalid_options_are_refused_with_the_settings_named()
    {
        var options = AlertHarness.Options();
        options.ClearThreshold = 0.8;
        var exception = Assert.Throws<InvalidPipelineException>(() => new AlertRules(options, System.Reactive.Concurrency.Scheduler.Immediate));

        Assert.Contains("Alerts:ClearThreshold: must be below Threshold (0.7), or an alert would clear and raise on the same readings",
            exception.Message, StringComparison.Ordinal);
    }
}
