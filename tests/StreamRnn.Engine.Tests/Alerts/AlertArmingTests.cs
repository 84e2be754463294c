using System.Buffers.Binary;
using StreamRnn.Engine.Alerts;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Arming (Alerts:ArmReadings = N): a key raises only after N consecutive readings with q &lt; ClearThreshold since
/// its start or its last clear, and a raise disarms it. Driven in virtual time, one reading per second, so every time
/// in an assertion is exact. Thresholds 0.7 / 0.4, MinReadings 3, cooldown 30 s (AlertHarness.Options).
/// </summary>
[Trait("Category", "Unit")]
public sealed class AlertArmingTests
{
    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);

    private static AlertOptions Armed(int readings)
    {
        var options = AlertHarness.Options();
        options.ArmReadings = readings;
        return options;
    }

    private static List<(AlertTransition, long)> Transitions(AlertHarness harness) =>
        [.. harness.Events.Select(e => (e.Alert.Transition, e.Alert.EventTimeUnixMs))];

    [Fact]
    public void A_key_is_armed_by_N_calm_readings_and_not_by_fewer()
    {
        using var harness = new AlertHarness(Armed(4));
        // a: 4 calm readings (0..3 s) arm it; the run of 3 high readings from 4 s raises at 6 s.
        harness.Series(0, "a", 0.1, 0.2, 0.3, 0.39, 0.8, 0.8, 0.8);
        // b: 3 calm readings, then a reading between the thresholds breaks the count; 3 more calm ones are not enough.
        harness.Series(0, "b", 0.1, 0.1, 0.1, 0.5, 0.1, 0.1, 0.1, 0.8, 0.8, 0.8, 0.8);
        harness.RunTo(20);

        Assert.Equal([("a", AlertTransition.Raised, Ms(6))],
            harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs)));
        Assert.Equal("p(exit within 15 s) ≥ 0.7 for 3 readings", harness.Events[0].Alert.Reason);
    }

    [Fact]
    public void A_key_that_starts_out_never_alerts_until_it_was_in_for_N_readings()
    {
        using var harness = new AlertHarness(Armed(5));
        var values = new List<double>();
        values.AddRange(Enumerable.Repeat(0.95, 100)); // 0..99 s: "out of bed" from the start
        values.AddRange(Enumerable.Repeat(0.1, 4));    // 100..103 s: in bed, one reading short of arming
        values.AddRange(Enumerable.Repeat(0.95, 10));  // 104..113 s: out again: still nothing
        values.AddRange(Enumerable.Repeat(0.1, 5));    // 114..118 s: armed at 118 s
        values.AddRange(Enumerable.Repeat(0.95, 3));   // 119..121 s: raised at 121 s, critical
        harness.Series(0, "bed-1", [.. values]);
        harness.RunTo(200);

        var (alert, at) = Assert.Single(harness.Events);
        Assert.Equal(new AlertEvent("bed-1", Ms(121), AlertTransition.Raised, "critical", 0.95, "p(exit within 15 s) ≥ 0.7 for 3 readings", 1), alert);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(121), at);

        // The same readings without arming raise at once (2 s), as before ArmReadings existed.
        using var unarmed = new AlertHarness(Armed(0));
        unarmed.Series(0, "bed-1", [.. values]);
        unarmed.RunTo(200);
        Assert.Equal((AlertTransition.Raised, Ms(2)), Transitions(unarmed)[0]);
    }

    [Fact]
    public void A_raise_disarms_the_key_and_the_clearing_reading_is_the_first_calm_one()
    {
        using var harness = new AlertHarness(Armed(3));
        // Armed at 2 s; raised at 5 s; cleared at 6 s (calm 1); calm at 7 and 8 s re-arm it (calm 3) during the cooldown.
        harness.Series(0, "a", 0.1, 0.1, 0.1, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1);
        // After the cooldown (6 + 30 = 36 s): a new episode raises at 38 s.
        harness.Series(36, "a", 0.8, 0.8, 0.8);
        // b: raised, cleared at 6 s, but a reading between the thresholds at 7 s breaks the calm count: the episode
        // after the cooldown raises nothing until b was calm for 3 readings again (50..52 s), then raises at 55 s.
        harness.Series(0, "b", 0.1, 0.1, 0.1, 0.8, 0.8, 0.8, 0.1, 0.5, 0.1);
        harness.Series(36, "b", 0.8, 0.8, 0.8, 0.8);
        harness.Series(50, "b", 0.1, 0.1, 0.1, 0.8, 0.8, 0.8);
        harness.RunTo(100);

        Assert.Equal(
            [
                ("a", AlertTransition.Raised, Ms(5)), ("b", AlertTransition.Raised, Ms(5)),
                ("a", AlertTransition.Cleared, Ms(6)), ("b", AlertTransition.Cleared, Ms(6)),
                ("a", AlertTransition.Raised, Ms(38)),
                ("b", AlertTransition.Raised, Ms(55)),
            ],
            harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs)));
    }

    [Fact]
    public void With_one_arming_reading_a_clear_re_arms_at_once_and_a_NaN_never_arms()
    {
        using var harness = new AlertHarness(Armed(1));
        harness.Series(0, "a", 0.1, 0.8, 0.8, 0.8, 0.1);
        harness.Series(40, "a", 0.8, 0.8, 0.8);
        // b's only "calm" readings are NaN: never armed, never raised.
        harness.Series(0, "b", double.NaN, double.NaN, 0.8, 0.8, 0.8, 0.8);
        harness.RunTo(60);

        Assert.Equal(
            [("a", AlertTransition.Raised, Ms(3)), ("a", AlertTransition.Cleared, Ms(4)), ("a", AlertTransition.Raised, Ms(42))],
            harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs)));
    }

    [Fact]
    public void States_round_trip_through_the_persisted_form()
    {
        var options = Armed(4);
        var reading = new AlertReading("bed-1", 1_700_000_000_123, 0.25, 9);
        KeyAlertState[] states =
        [
            new(false, false, 0, 3, long.MinValue, null, reading, null),            // disarmed, 3 calm readings
            new(false, true, 2, 0, 1_700_000_030_000, null, reading, null),         // armed, run of 2
            new(true, false, 0, 0, 1_700_000_030_000, "critical", reading, null),   // raised (disarmed by the raise)
        ];
        byte[] bytes = new byte[KeyAlertStateFormat.Bytes];
        foreach (var state in states)
        {
            KeyAlertStateFormat.Write(state, options, bytes);
            Assert.True(KeyAlertStateFormat.TryRead(bytes, "bed-1", options, out var read));
            Assert.Equal(state, read);
        }

        bytes[3] = 2;
        Assert.False(KeyAlertStateFormat.TryRead(bytes, "bed-1", options, out _));
    }

    [Fact]
    public void A_record_written_before_arming_existed_reads_as_armed_with_its_run()
    {
        // The 40-byte layout as the build before ArmReadings wrote it (byte 3 always 0): idle, run 2, cooldown end,
        // last reading at 1 700 000 000 123 ms with q 0.25 by model version 9.
        byte[] old = new byte[40];
        old[0] = 1;
        BinaryPrimitives.WriteInt32LittleEndian(old.AsSpan(4), 2);
        BinaryPrimitives.WriteInt64LittleEndian(old.AsSpan(8), 1_700_000_030_000);
        BinaryPrimitives.WriteInt64LittleEndian(old.AsSpan(16), 1_700_000_000_123);
        BinaryPrimitives.WriteDoubleLittleEndian(old.AsSpan(24), 0.25);
        BinaryPrimitives.WriteInt64LittleEndian(old.AsSpan(32), 9);

        var options = Armed(4);
        Assert.True(KeyAlertStateFormat.TryRead(old, "bed-1", options, out var state));
        var expected = new KeyAlertState(false, true, 2, 0, 1_700_000_030_000, null, new AlertReading("bed-1", 1_700_000_000_123, 0.25, 9), null);
        Assert.Equal(expected, state);

        // An armed state is written byte for byte as before, so older builds read the new records of armed keys too.
        byte[] written = new byte[40];
        KeyAlertStateFormat.Write(expected, options, written);
        Assert.Equal(old, written);

        // Going on from the old record: armed, so the next high reading completes the run of 3 once the cooldown is over.
        var next = state.Next(new AlertReading("bed-1", 1_700_000_030_000, 0.8, 9), options);
        Assert.Equal(AlertTransition.Raised, next.Emitted!.Transition);
        Assert.False(next.IsArmed);
    }

    [Fact]
    public void ArmReadings_is_validated_with_its_setting_named()
    {
        Assert.Equal(["Alerts:ArmReadings: must be between 0 (no arming) and 10000"], new AlertOptions { ArmReadings = -1 }.Validate());
        Assert.Equal(["Alerts:ArmReadings: must be between 0 (no arming) and 10000"], new AlertOptions { ArmReadings = 10_001 }.Validate());
        Assert.Empty(new AlertOptions { ArmReadings = 10_000 }.Validate());
    }
}
