using StreamRnn.Engine.Alerts;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// k-of-n smoothing (Alerts:RaiseK / RaiseN): raise when k of a key's last n readings have q ≥ Threshold. Driven in
/// virtual time, one reading per second; thresholds 0.7 / 0.4, cooldown 30 s (AlertHarness.Options), MinReadings 1.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AlertSmoothingTests
{
    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);

    private static AlertOptions KOfN(int k, int n)
    {
        var options = AlertHarness.Options();
        options.MinReadings = 1;
        options.RaiseK = k;
        options.RaiseN = n;
        return options;
    }

    private static List<(string, AlertTransition, long, string)> Events(AlertHarness harness) =>
        [.. harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs, e.Alert.Reason))];

    [Fact]
    public void Two_of_three_raises_on_the_second_high_reading_within_three_and_never_on_isolated_spikes()
    {
        using var harness = new AlertHarness(KOfN(2, 3));
        // a: high, low (between the thresholds), high: 2 of the last 3 at 2 s.
        harness.Series(0, "a", 0.8, 0.5, 0.8);
        // b: spikes 3 readings apart never have 2 in any 3 consecutive readings.
        harness.Series(0, "b", 0.8, 0.5, 0.5, 0.8, 0.5, 0.5, 0.8, 0.5, 0.5, 0.8);
        harness.RunTo(20);

        Assert.Equal([("a", AlertTransition.Raised, Ms(2), "p(exit within 15 s) ≥ 0.7 for 2 of the last 3 readings")], Events(harness));
    }

    [Fact]
    public void One_of_one_is_the_rule_before_smoothing()
    {
        using var smoothed = new AlertHarness(KOfN(1, 1));
        smoothed.Series(0, "b", 0.8, 0.5, 0.5, 0.8);
        smoothed.RunTo(20);
        Assert.Equal([("b", AlertTransition.Raised, Ms(0), "p(exit within 15 s) ≥ 0.7 for 1 reading")], Events(smoothed));
    }

    [Fact]
    public void The_reading_that_would_raise_must_itself_be_high_and_a_raise_empties_the_history()
    {
        using var harness = new AlertHarness(KOfN(2, 4));
        // 0 s high, 1 s high → raised at 1 s; cleared at 2 s; cooldown to 32 s. At 40 s and 41 s the history holds
        // only readings after the raise: 41 s is the second high one → raised at 41 s.
        harness.Series(0, "a", 0.8, 0.8, 0.1);
        harness.Series(40, "a", 0.8, 0.8);
        harness.RunTo(60);
        Assert.Equal([AlertTransition.Raised, AlertTransition.Cleared, AlertTransition.Raised], harness.Events.Select(e => e.Alert.Transition));
        Assert.Equal([Ms(1), Ms(2), Ms(41)], harness.Events.Select(e => e.Alert.EventTimeUnixMs));
    }

    [Fact]
    public void The_history_round_trips_through_the_persisted_form_and_a_40_byte_value_reads_with_none()
    {
        var options = KOfN(2, 5);
        var reading = new AlertReading("bed-1", 1_700_000_000_123, 0.8, 9);
        var state = new KeyAlertState(false, true, 1, 0, long.MinValue, null, reading, null, 0b10100);
        byte[] bytes = new byte[KeyAlertStateFormat.Bytes];
        KeyAlertStateFormat.Write(state, options, bytes);
        Assert.True(KeyAlertStateFormat.TryRead(bytes, "bed-1", options, out var read));
        Assert.Equal(state, read);

        Assert.True(KeyAlertStateFormat.TryRead(bytes.AsSpan(0, KeyAlertStateFormat.LegacyBytes), "bed-1", options, out var legacy));
        Assert.Equal(state with { Recent = 0 }, legacy);
    }

    [Theory]
    [InlineData(1, 0, "Alerts:RaiseN: must be between 1 and 64")]
    [InlineData(1, 65, "Alerts:RaiseN: must be between 1 and 64")]
    [InlineData(0, 3, "Alerts:RaiseK: must be between 1 and RaiseN")]
    [InlineData(4, 3, "Alerts:RaiseK: must be between 1 and RaiseN")]
    public void Bad_k_or_n_is_named_with_the_problem(int k, int n, string error)
    {
        var options = AlertHarness.Options();
        options.RaiseK = k;
        options.RaiseN = n;
        Assert.Equal([error], options.Validate());
    }
}
