using Microsoft.Extensions.Time.Testing;
using System.Buffers.Binary;
using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Each key's alert state travels in its changelog value and snapshot, so a restarted (or rebalanced) runtime goes on
/// with an open alert: it neither forgets it nor raises it again for the same episode. Probabilities are controlled by
/// weights whose output follows the "score" field: p = σ(8·tanh(0.5·score)) (−1 → 0.02, 0 → 0.5, 0.4 → 0.83).
/// </summary>
[Trait("Category", "Unit")]
public sealed class AlertStateDurabilityTests
{
    private const double Quiet = -1, Band = 0, High = 0.4;

    [Fact]
    public void Restored_from_the_changelog_an_open_alert_is_cleared_once_and_not_raised_again_exactly_as_without_a_restart()
    {
        double[] before = [Quiet, High, High, High, Band, Band];
        double[] after = [High, High, High, Band, Quiet, High];
        var first = Records(("bed-1", before), ("bed-2", Repeat(Quiet, before.Length)));
        var second = Records(before.Length, first.Length, ("bed-1", after), ("bed-2", Repeat(Quiet, after.Length)));

        var uninterrupted = new Run();
        uninterrupted.Process(first);
        uninterrupted.Process(second);

        var original = new Run();
        original.Process(first);
        var changelog = new RecordingSink();
        original.Runtime.FlushChangelog(changelog);

        var restored = new Run();
        foreach (var (partition, stateKey, value) in changelog.ChangelogRecords)
        {
            restored.Runtime.Restore(partition, stateKey, value);
        }

        Assert.Equal(2, restored.Monitor.PendingRestores);
        restored.Process(second);

        // Raised at 3 s before the restart; after it, no second raise for the same episode (three more high readings),
        // and one clear at 10 s with the severity it was raised with.
        Assert.Equal(["raised"], original.Sink.Alerts.Select(a => State(a.Json)));
        var (key, json) = Assert.Single(restored.Sink.Alerts);
        Assert.Equal("bed-1", key);
        Assert.Contains("\"ts\":\"2023-11-14T22:13:30.000Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"severity\":\"warning\"", json, StringComparison.Ordinal);
        Assert.Equal("cleared", State(json));
        Assert.Equal(uninterrupted.Sink.Alerts, [.. original.Sink.Alerts, .. restored.Sink.Alerts]);
    }

    [Fact]
    public void A_restart_keeps_the_arming_count_so_a_half_armed_key_arms_exactly_when_it_would_have()
    {
        // ArmReadings 3: bed-1 is calm for 2 readings before the restart and 1 after it, so it is armed at 2 s and the
        // run of 3 high readings raises at 5 s. bed-2 starts high and stays disarmed across the restart: never raised.
        var first = Records(("bed-1", [Quiet, Quiet]), ("bed-2", [High, High]));
        var second = Records(2, first.Length, ("bed-1", [Quiet, High, High, High]), ("bed-2", [High, High, High, High]));
        var uninterrupted = new Run(armReadings: 3);
        uninterrupted.Process(first);
        uninterrupted.Process(second);

        var original = new Run(armReadings: 3);
        original.Process(first);
        var changelog = new RecordingSink();
        original.Runtime.FlushChangelog(changelog);
        var restored = new Run(armReadings: 3);
        foreach (var (partition, stateKey, value) in changelog.ChangelogRecords)
        {
            restored.Runtime.Restore(partition, stateKey, value);
        }

        restored.Process(second);

        var (key, json) = Assert.Single(restored.Sink.Alerts);
        Assert.Equal("bed-1", key);
        Assert.Equal("raised", State(json));
        Assert.Contains("\"ts\":\"2023-11-14T22:13:25.000Z\"", json, StringComparison.Ordinal);
        Assert.Equal(uninterrupted.Sink.Alerts, restored.Sink.Alerts);
        Assert.Empty(original.Sink.Alerts);
    }

    [Fact]
    public void A_restart_keeps_the_k_of_n_history_so_the_second_high_reading_raises_exactly_when_it_would_have()
    {
        // 2 of the last 4, MinReadings 1: one high reading at 1 s before the restart, the second at 4 s after it.
        var first = Records(("bed-1", [Quiet, High, Quiet]));
        var second = Records(3, first.Length, ("bed-1", [Quiet, High]));
        Run Smoothed() => new(minReadings: 1, raiseK: 2, raiseN: 4);
        var uninterrupted = Smoothed();
        uninterrupted.Process(first);
        uninterrupted.Process(second);

        var original = Smoothed();
        original.Process(first);
        var changelog = new RecordingSink();
        original.Runtime.FlushChangelog(changelog);
        var (partition, stateKey, value) = Assert.Single(changelog.ChangelogRecords);
        var restored = Smoothed();
        restored.Runtime.Restore(partition, stateKey, value);
        restored.Process(second);

        Assert.Empty(original.Sink.Alerts);
        var (key, json) = Assert.Single(restored.Sink.Alerts);
        Assert.Equal("raised", State(json));
        Assert.Contains("\"ts\":\"2023-11-14T22:13:24.000Z\"", json, StringComparison.Ordinal);
        Assert.Equal(uninterrupted.Sink.Alerts, restored.Sink.Alerts);

        // The same value in the 40-byte layout of the build before k-of-n restores the key, without its history.
        var legacy = Smoothed();
        legacy.Runtime.Restore(partition, stateKey, WithLegacyAlertSection(value));
        legacy.Process(second);
        Assert.Empty(legacy.Sink.Alerts);
    }

    [Fact]
    public void Without_the_alert_state_the_same_restart_raises_the_episode_a_second_time()
    {
        // What the daemon did before alert state was persisted, shown by restoring values with the section stripped.
        double[] before = [Quiet, High, High, High, Band];
        double[] after = [High, High, High, Quiet];
        var first = Records(("bed-1", before));
        var second = Records(before.Length, first.Length, ("bed-1", after));
        var original = new Run();
        original.Process(first);
        var changelog = new RecordingSink();
        original.Runtime.FlushChangelog(changelog);

        var restored = new Run();
        var (partition, keyBytes, value) = Assert.Single(changelog.ChangelogRecords);
        restored.Runtime.Restore(partition, keyBytes, WithoutExtension(value));
        Assert.Equal(0, restored.Monitor.PendingRestores);
        restored.Process(second);

        Assert.Equal(["raised", "cleared"], restored.Sink.Alerts.Select(a => State(a.Json)));
    }

    [Fact]
    public void A_snapshot_carries_the_alert_state_and_a_dropped_partition_forgets_it_silently()
    {
        var first = Records(("bed-1", [Quiet, High, High, High, Band]));
        var original = new Run();
        original.Process(first);
        using var snapshot = new MemoryStream();
        original.Runtime.WriteSnapshot(0, snapshot);

        var restored = new Run();
        snapshot.Position = 0;
        restored.Runtime.ReadSnapshot(snapshot);
        restored.Process(Records(5, first.Length, ("bed-1", [Quiet])));
        Assert.Equal("cleared", State(Assert.Single(restored.Sink.Alerts).Json));

        // Revoked while raised: the key's rules go without a word, even long after its idle timeout.
        var revoked = new Run();
        snapshot.Position = 0;
        revoked.Runtime.ReadSnapshot(snapshot);
        revoked.Process(Records(5, first.Length, ("bed-1", [Band]), ("bed-2", [Quiet])));
        revoked.Runtime.DropPartition(0);
        revoked.Process(Records(10_000, 100, ("bed-3", [Quiet, Quiet])));
        Assert.Empty(revoked.Sink.Alerts);
    }

    [Fact]
    public void Values_have_the_alert_section_only_with_alert_rules_and_either_kind_restores_into_the_other()
    {
        var withAlerts = new Run();
        var withoutAlerts = new Run(alerts: false);
        var records = Records(("bed-1", [Quiet, High]));
        withAlerts.Process(records);
        withoutAlerts.Process(records);
        Assert.Equal(withoutAlerts.Runtime.ChangelogValueBytes + 4 + AlertMonitor.StateBytes, withAlerts.Runtime.ChangelogValueBytes);

        var alertValues = new RecordingSink();
        var plainValues = new RecordingSink();
        withAlerts.Runtime.FlushChangelog(alertValues);
        withoutAlerts.Runtime.FlushChangelog(plainValues);
        byte[] alertValue = Assert.Single(alertValues.ChangelogRecords).Value;
        byte[] plainValue = Assert.Single(plainValues.ChangelogRecords).Value;
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(alertValue.AsSpan(6)));
        Assert.Equal(0, BinaryPrimitives.ReadUInt16LittleEndian(plainValue.AsSpan(6)));
        Assert.Equal(plainValue, WithoutExtension(alertValue));

        // Rules added or removed between runs: the recurrent state comes back, the alerts start idle.
        var added = new Run();
        added.Runtime.Restore(0, "bed-1"u8, plainValue);
        var removed = new Run(alerts: false);
        removed.Runtime.Restore(0, "bed-1"u8, alertValue);
        Assert.Equal(0, added.Monitor.PendingRestores);
        Assert.Equal(withAlerts.Runtime.QueryKey("bed-1")!.HiddenState, added.Runtime.QueryKey("bed-1")!.HiddenState);
        Assert.Equal(withAlerts.Runtime.QueryKey("bed-1")!.HiddenState, removed.Runtime.QueryKey("bed-1")!.HiddenState);
    }

    [Fact]
    public void A_corrupted_alert_section_is_refused_by_the_checksum()
    {
        var run = new Run();
        run.Process(Records(("bed-1", [Quiet, High])));
        var values = new RecordingSink();
        run.Runtime.FlushChangelog(values);
        byte[] value = Assert.Single(values.ChangelogRecords).Value;
        value[^10] ^= 1;

        var restored = new Run();
        Assert.Throws<StateFormatException>(() => restored.Runtime.Restore(0, "bed-1"u8, value));
        Assert.Equal(0, restored.Runtime.KeyCount);
    }

    /// <summary>A value as a pipeline without alert rules would have written it: flag cleared, section and CRC redone.</summary>
    private static byte[] WithoutExtension(byte[] value)
    {
        int section = 4 + AlertMonitor.StateBytes;
        byte[] plain = new byte[value.Length - section];
        value.AsSpan(0, plain.Length - 4).CopyTo(plain);
        BinaryPrimitives.WriteUInt16LittleEndian(plain.AsSpan(6), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(plain.AsSpan(plain.Length - 4), StreamRnn.Core.Serialization.Crc32.Compute(plain.AsSpan(0, plain.Length - 4)));
        return plain;
    }

    /// <summary>A value as the build before k-of-n wrote it: a 40-byte alert section (no history), CRC redone.</summary>
    private static byte[] WithLegacyAlertSection(byte[] value)
    {
        int head = value.Length - 4 - AlertMonitor.StateBytes - 4;
        byte[] legacy = new byte[head + 4 + KeyAlertStateFormat.LegacyBytes + 4];
        value.AsSpan(0, head).CopyTo(legacy);
        BinaryPrimitives.WriteInt32LittleEndian(legacy.AsSpan(head), KeyAlertStateFormat.LegacyBytes);
        value.AsSpan(head + 4, KeyAlertStateFormat.LegacyBytes).CopyTo(legacy.AsSpan(head + 4));
        BinaryPrimitives.WriteUInt32LittleEndian(legacy.AsSpan(legacy.Length - 4), StreamRnn.Core.Serialization.Crc32.Compute(legacy.AsSpan(0, legacy.Length - 4)));
        return legacy;
    }

    private static string State(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("state").GetString()!;

    private static double[] Repeat(double value, int count) => [.. Enumerable.Repeat(value, count)];

    private static InputRecord[] Records(params (string Key, double[] Scores)[] beds) => Records(0, 0, beds);

    /// <summary>One reading per bed per second from <paramref name="firstStep"/>, beds in turn, offsets from <paramref name="firstOffset"/>.</summary>
    private static InputRecord[] Records(int firstStep, long firstOffset, params (string Key, double[] Scores)[] beds)
    {
        var records = new List<InputRecord>();
        long offset = firstOffset;
        for (int i = 0; i < beds.Max(b => b.Scores.Length); i++)
        {
            foreach (var (key, scores) in beds.Where(b => i < b.Scores.Length))
            {
                string json = string.Create(CultureInfo.InvariantCulture,
                    $"{{\"ts\": {1_700_000_000_000L + (firstStep + i) * 1000L}, \"score\": {scores[i]:R}, \"left\": 0}}");
                records.Add(TestPipelines.Record(json, offset++, key));
            }
        }

        return [.. records];
    }

    /// <summary>A runtime over the score-following weights with (or without) the alert rules attached.</summary>
    private sealed class Run
    {
        public Run(bool alerts = true, int armReadings = 0, int minReadings = 3, int raiseK = 1, int raiseN = 1)
        {
            var definition = new PipelineDefinition
            {
                Name = "beds",
                InputTopic = "beds",
                OutputTopic = "beds.predictions",
                AlertTopic = "beds.alerts",
                EventTime = new EventTimeOptions { Source = EventTimeSource.Field, Field = "ts", Format = EventTimeFormat.UnixMilliseconds },
                Features = [new FeatureOptions { Field = "score", Transform = FeatureTransform.Raw }],
                Target = new TargetOptions { Field = "left", Horizon = 1 },
                Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 1, Layers = 1, Head = HeadKind.Binary, Seed = 1 },
                Alerts = alerts
                    ? new AlertOptions { Event = "exit", Threshold = 0.7, ClearThreshold = 0.4, MinReadings = minReadings, Cooldown = TimeSpan.FromSeconds(30), KeyIdleTimeout = TimeSpan.FromMinutes(10), ArmReadings = armReadings, RaiseK = raiseK, RaiseN = raiseN }
                    : null,
            };
            var weights = ModelWeights.FromParameters(definition.CreateShape(), [0.5f, 0f, 0f, 0f, 8f, 0f], 7);
            Runtime = new PipelineRuntime(definition, weights, TestPipelines.Clock(), metrics: null);
            Monitor = alerts ? AlertMonitor.Create(definition, null)! : null!;
            Runtime.PredictionObserver = Monitor;
        }

        public PipelineRuntime Runtime { get; }

        public AlertMonitor Monitor { get; }

        public RecordingSink Sink { get; } = new();

        public void Process(InputRecord[] records)
        {
            foreach (var record in records)
            {
                Runtime.Process([record], Sink);
            }

            Assert.Empty(Sink.DeadLetters);
        }
    }
}
