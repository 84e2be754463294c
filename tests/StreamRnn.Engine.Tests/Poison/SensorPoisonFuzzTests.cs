using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Tests.Support;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The seeded fuzzer of <see cref="PoisonFuzzTests"/> for the sensor input paths: the shipped bed-exit pipeline
/// (CategoryAge per antenna, OneHot, the OutWithin label), the same with an Activity input, and with a Categorical head
/// on the posture label (the Category target), with several horizons, the highway and lagged inputs, and with a
/// CategoryLast input (last RSSI per antenna). Hostile values in every field (huge, non-finite, negative and
/// far-future times, wrong types, unknown categories, lone surrogates, nesting, random bytes, cut JSON): no exception
/// may escape, no record may be answered twice or as an InternalError, and every record is accounted for.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SensorPoisonFuzzTests(ITestOutputHelper output)
{
    private const int Records = 200_000;
    private const int BatchSize = 500;

    [Theory]
    [InlineData("shipped")]
    [InlineData("activity")]
    [InlineData("categorical")]
    [InlineData("horizons")]
    [InlineData("lastrssi")]
    [InlineData("within")]
    public void Hostile_sensor_records_never_throw_and_are_all_accounted_for(string variant)
    {
        var pipeline = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("config/pipelines/bed-exit.json")))!;
        pipeline["Training"]!["Enabled"] = false;
        if (variant == "activity")
        {
            pipeline["Features"]!.AsArray().Add(JsonNode.Parse(
                """{ "Field": "acc_vertical_g", "Transform": "Activity", "Time": "time_s", "TimeConstant": "00:00:05" }"""));
        }
        else if (variant == "lastrssi")
        {
            pipeline["Features"]!.AsArray().Add(JsonNode.Parse(
                """{ "Field": "rssi", "Transform": "CategoryLast", "By": "antenna_id", "Categories": ["1", "2", "3", "4"] }"""));
        }
        else if (variant == "within")
        {
            // The event label in event time: hostile timestamps meet the label's ring of times and FIFO of out steps.
            pipeline["Target"] = JsonNode.Parse("""{ "Field": "in_bed", "Transform": "OutWithin", "OutValue": 0, "Horizon": 12, "Within": "00:00:03" }""");
            pipeline["Training"]!["WindowSteps"] = 24;
        }
        else if (variant == "categorical")
        {
            pipeline["Target"] = JsonNode.Parse(
                """{ "Field": "label", "Transform": "Category", "Categories": ["1", "2", "3", "4"], "Positive": ["2", "4"], "Horizon": 1 }""");
            pipeline["Model"]!["Head"] = "Categorical";
        }
        else if (variant == "horizons")
        {
            // Several horizons, the highway and lagged inputs: a Gaussian head on the change of rssi.
            pipeline["Target"] = JsonNode.Parse("""{ "Field": "rssi", "Transform": "Difference", "Horizons": [1, 3, 6] }""");
            pipeline["Model"]!["Head"] = "Gaussian";
            pipeline["Model"]!["Highway"] = true;
            pipeline["Features"]![3]!["Lags"] = 2;
            pipeline["Features"]![0]!["Lags"] = 3;
            pipeline.AsObject().Remove("Alerts");
            pipeline["Training"]!.AsObject().Remove("PositiveWeight");
            pipeline["Training"]!.AsObject().Remove("PositiveReserveWindows");
            pipeline["Training"]!.AsObject().Remove("PositiveFloor");
            pipeline["Training"]!.AsObject().Remove("PromotionCriterion");
        }

        var definition = PipelineDefinition.Parse(Encoding.UTF8.GetBytes(pipeline.ToJsonString()));
        definition.State.MaxKeys = 2_000;
        var runtime = TestPipelines.Runtime(definition, new FakeTimeProvider(TestPipelines.Start.AddYears(2)));
        var sink = new AccountingSink();
        var generator = new HostileSensorRecords(seed: 20261204);
        var batch = new InputRecord[BatchSize];
        for (long offset = 0; offset < Records;)
        {
            int count = (int)Math.Min(BatchSize, Records - offset);
            for (int i = 0; i < count; i++, offset++)
            {
                batch[i] = new InputRecord(0, offset, generator.NextTimestamp(offset), generator.NextKey(), generator.NextValue());
            }

            runtime.Process(batch.AsSpan(0, count), sink);
        }

        var counters = runtime.Counters;
        output.WriteLine($"{variant}: applied {counters.RecordsApplied}, predictions {counters.PredictionsProduced}, dead letters " +
            $"{counters.DeadLetters} ({string.Join(", ", sink.ByReason.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))}), " +
            $"late {counters.SkippedLate}, duplicates {counters.SkippedDuplicates}");

        Assert.Equal(Records, counters.RecordsConsumed);
        Assert.Equal(Records, counters.RecordsApplied + counters.DeadLetters + counters.SkippedDuplicates + counters.SkippedLate);
        Assert.Equal(counters.DeadLetters, sink.DeadLetters);
        Assert.Equal(counters.PredictionsProduced, sink.Predictions);
        Assert.Equal(0, sink.TwiceAnswered);
        Assert.Equal(0, sink.ByReason.GetValueOrDefault(DeadLetterReason.InternalError));
        foreach (var reason in new[] { DeadLetterReason.MalformedJson, DeadLetterReason.NonFiniteValue, DeadLetterReason.WrongType })
        {
            Assert.True(sink.ByReason.GetValueOrDefault(reason) > 100, $"too few {reason} dead letters");
        }

        if (variant == "categorical")
        {
            Assert.True(sink.ByReason.GetValueOrDefault(DeadLetterReason.UnknownCategory) > 100, "too few UnknownCategory dead letters");
        }

        Assert.True(counters.PredictionsProduced > Records / 10, "too few good records");
    }

    /// <summary>Deterministic RFID trial readings, most of them good, the rest with one field (or the whole value) made hostile.</summary>
    private sealed class HostileSensorRecords(int seed)
    {
        private static readonly string[] Fields = ["trial_id", "time_s", "acc_frontal_g", "acc_vertical_g", "acc_lateral_g", "antenna_id", "rssi", "label", "in_bed"];
        private static readonly string[] Hostile =
        [
            "1e200", "-1e200", "1e400", "-1e308", "4.9e-324", "\"NaN\"", "\"Infinity\"", "\"\\ud800\"", "\"\\udc00x\"", "null", "true",
            "{\"a\":[[[[1]]]]}", "[]", "\"\"", "\"9\"", "\"5\"", "0", "-1", "253402300800", "-253402300800", "\"1\"", "7",
        ];

        private readonly Random _random = new(seed);
        private readonly double[] _time = new double[16];

        public byte[] NextKey() => Encoding.UTF8.GetBytes($"d{_random.Next(16)}");

        public long NextTimestamp(long offset) =>
            _random.Next(200) == 0 ? 253_402_300_799_000 : 1_700_000_000_000 + offset * 700;

        public byte[] NextValue()
        {
            int trial = _random.Next(16);
            int roll = _random.Next(100);
            if (roll < 3)
            {
                byte[] bytes = new byte[_random.Next(1, 64)];
                _random.NextBytes(bytes);
                return bytes;
            }

            _time[trial] += 0.25 + _random.NextDouble();
            string antenna = (1 + _random.Next(4)).ToString(CultureInfo.InvariantCulture);
            string label = (1 + _random.Next(4)).ToString(CultureInfo.InvariantCulture);
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["trial_id"] = $"\"d{trial}\"",
                ["time_s"] = _time[trial].ToString("R", CultureInfo.InvariantCulture),
                ["acc_frontal_g"] = Number(),
                ["acc_vertical_g"] = Number(),
                ["acc_lateral_g"] = Number(),
                ["antenna_id"] = $"\"{antenna}\"",
                ["rssi"] = (-70 + 10 * _random.NextDouble()).ToString("R", CultureInfo.InvariantCulture),
                ["label"] = $"\"{label}\"",
                ["in_bed"] = label is "2" or "4" ? "0" : "1",
            };

            if (roll < 45)
            {
                values[Fields[_random.Next(Fields.Length)]] = Hostile[_random.Next(Hostile.Length)];
            }

            string json = "{" + string.Join(",", values.Select(v => $"\"{v.Key}\":{v.Value}")) + "}";
            if (roll < 50 && roll >= 45)
            {
                json = json[.._random.Next(1, json.Length)];
            }

            return Encoding.UTF8.GetBytes(json);
        }

        private string Number() => (2 * _random.NextDouble() - 1).ToString("R", CultureInfo.InvariantCulture);
    }
}
