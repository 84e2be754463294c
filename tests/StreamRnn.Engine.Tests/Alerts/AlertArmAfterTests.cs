using System.Buffers.Binary;
using StreamRnn.Engine.Alerts;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Arming by event time (Alerts:ArmAfter = S): a key arms only once its calm stretch (consecutive readings with
/// q &lt; ClearThreshold) has lasted S, from the stretch's first reading to the current one, whatever the reading rate;
/// with ArmReadings as well, both must hold. Readings at exact virtual times; thresholds 0.7 / 0.4, MinReadings 3,
/// cooldown 30 s (AlertHarness.Options).
/// </summary>
[Trait("Category", "Unit")]
public sealed class AlertArmAfterTests
{
    private static long Ms(double seconds) => (long)Math.Round(seconds * 1000);

    private static AlertOptions Options(double armAfterSeconds, int armReadings = 0)
    {
        var options = AlertHarness.Options();
        options.ArmAfter = TimeSpan.FromSeconds(armAfterSeconds);
        options.ArmReadings = armReadings;
        return options;
    }

    private static List<(string, AlertTransition, long)> Transitions(AlertHarness harness) =>
        [.. harness.Events.Select(e => (e.Alert.Key, e.Alert.Transition, e.Alert.EventTimeUnixMs))];

    [Fact]
    public void A_key_arms_after_S_seconds_of_calm_whether_it_is_read_often_or_rarely()
    {
        using var harness = new AlertHarness(Options(10));
        // dense: 21 calm readings 0.5 s apart (0..10 s): armed at 10 s, not at 9.5 s; high from 10.5 s raises at 11.5 s.
        for (int i = 0; i <= 20; i++)
        {
            harness.At(i * 0.5, "dense", 0.1);
        }

        harness.At(10.5, "dense", 0.8);
        harness.At(11, "dense", 0.8);
        harness.At(11.5, "dense", 0.8);
        // sparse: calm at 0 and 12 s (two readings, 12 s apart): armed at 12 s; raised at 16 s.
        harness.At(0, "sparse", 0.1);
        harness.At(12, "sparse", 0.1);
        harness.At(14, "sparse", 0.8);
        harness.At(15, "sparse", 0.8);
        harness.At(16, "sparse", 0.8);
        // broken: calm 0..9 s, a reading between the thresholds at 9.5 s restarts the stretch; calm 10..19 s is 9 s.
        for (int i = 0; i <= 9; i++)
        {
            harness.At(i, "broken", 0.1);
        }

        harness.At(9.5, "broken", 0.5);
        for (int i = 10; i <= 19; i++)
        {
            harness.At(i, "broken", 0.1);
        }

        harness.At(19.5, "broken", 0.8);
        harness.At(19.6, "broken", 0.8);
        harness.At(19.7, "broken", 0.8);
        harness.RunTo(40);

        Assert.Equal([("dense", AlertTransition.Raised, Ms(11.5)), ("sparse", AlertTransition.Raised, Ms(16))],
            Transitions(harness).OrderBy(t => t.Item1, StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void After_a_clear_the_stretch_starts_at_the_clearing_reading_and_both_rules_must_hold()
    {
        // ArmAfter 5 s and ArmReadings 3. Armed at 5 s (6 calm readings 1 s apart); raised at 8 s; cleared at 9 s,
        // which starts the next stretch: 3 readings by 11 s but 5 s only at 14 s; the high run 15..17 s is inside the
        // cooldown of the clear (until 39 s); a calm reading at 30 s ends that run; the run 40..42 s raises at 42 s.
        using var harness = new AlertHarness(Options(5, 3));
        harness.Series(0, "a", 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.8, 0.8, 0.8);
        harness.At(30, "a", 0.1);
        harness.Series(40, "a", 0.8, 0.8, 0.8);
        // b: 2 calm readings 6 s apart meet ArmAfter but not ArmReadings: the high run at 6.2..6.6 s raises nothing
        // (and breaks the stretch); calm at 7, 8 and 13 s arms it at 13 s (3 readings, 6 s); raised at 16 s.
        harness.At(0, "b", 0.1);
        harness.At(6, "b", 0.1);
        harness.At(6.2, "b", 0.8);
        harness.At(6.4, "b", 0.8);
        harness.At(6.6, "b", 0.8);
        harness.At(7, "b", 0.1);
        harness.At(8, "b", 0.1);
        harness.At(13, "b", 0.1);
        harness.Series(14, "b", 0.8, 0.8, 0.8);
        harness.RunTo(60);

        Assert.Equal([("a", AlertTransition.Raised, Ms(8)), ("a", AlertTransition.Cleared, Ms(9)), ("a", AlertTransition.Raised, Ms(42)),
            ("b", AlertTransition.Raised, Ms(16))],
            Transitions(harness).OrderBy(t => t.Item1, StringComparer.Ordinal).ThenBy(t => t.Item3).ToList());
    }

    [Fact]
    public void The_calm_start_round_trips_and_older_layouts_read_it_as_their_last_reading()
    {
        var options = Options(10);
        var reading = new AlertReading("bed-1", 1_700_000_009_000, 0.25, 9);
        var disarmed = new KeyAlertState(false, false, 0, 3, long.MinValue, null, reading, null, 0, 1_700_000_001_000);
        byte[] bytes = new byte[KeyAlertStateFormat.Bytes];
        KeyAlertStateFormat.Write(disarmed, options, bytes);
        Assert.Equal(1_700_000_001_000, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(48)));
        Assert.True(KeyAlertStateFormat.TryRead(bytes, "bed-1", options, out var read));
        Assert.Equal(disarmed, read);
        // Going on: a calm reading at 11 s has a stretch of 10 s from 1 s: armed.
        Assert.True(read.Next(new AlertReading("bed-1", 1_700_000_011_000, 0.1, 9), options).IsArmed);

        // The 48-byte layout (k-of-n, before ArmAfter): the stretch counts from the last reading (9 s), so 11 s does not arm.
        Assert.True(KeyAlertStateFormat.TryRead(bytes.AsSpan(0, KeyAlertStateFormat.KofNBytes), "bed-1", options, out var older));
        Assert.Equal(disarmed with { CalmSinceUnixMs = reading.EventTimeUnixMs }, older);
        Assert.False(older.Next(new AlertReading("bed-1", 1_700_000_011_000, 0.1, 9), options).IsArmed);
        Assert.True(older.Next(new AlertReading("bed-1", 1_700_000_019_000, 0.1, 9), options).IsArmed);

        // Written into 48 bytes, the older layout: the same bytes as the first 48 of the new one.
        byte[] written = new byte[KeyAlertStateFormat.KofNBytes];
        KeyAlertStateFormat.Write(disarmed, options, written);
        Assert.Equal(bytes.AsSpan(0, KeyAlertStateFormat.KofNBytes).ToArray(), written);
    }

    [Fact]
    public void ArmAfter_is_validated_with_its_setting_named()
    {
        Assert.Equal(["Alerts:ArmAfter: must be between 0 (no arming by time) and one day"],
            new AlertOptions { ArmAfter = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Equal(["Alerts:ArmAfter: must be between 0 (no arming by time) and one day"],
            new AlertOptions { ArmAfter = TimeSpan.FromDays(2) }.Validate());
        Assert.Empty(new AlertOptions { ArmAfter = TimeSpan.FromSeconds(10) }.Validate());
    }
}
