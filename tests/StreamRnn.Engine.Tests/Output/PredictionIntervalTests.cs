using System.Globalization;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class PredictionIntervalTests
{
    private const double Z80 = 1.2815515655446004, Z95 = 1.959963984540054;

    [Fact]
    public void A_log_return_key_is_warming_up_until_its_target_statistics_hold_N_values()
    {
        var definition = TestPipelines.Stocks();
        definition.Output.WarmupTargets = 5;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process(Bars("A", 9), sink);

        // Bar 1 has no return (no prediction); bar k ≥ 2 is the key's (k − 1)-th target, so bars 2..5 are warming up.
        Assert.Equal(8, sink.Predictions.Count);
        bool[] expected = [true, true, true, true, false, false, false, false];
        for (int i = 0; i < 8; i++)
        {
            var json = sink.PredictionJson(i);
            Assert.Equal(expected[i], json.GetProperty("warming_up").GetBoolean());
            Assert.Equal(!expected[i], json.TryGetProperty("interval_80", out _));
            Assert.Equal(!expected[i], json.TryGetProperty("interval_95", out _));
            Assert.Equal(!expected[i], json.TryGetProperty("price_interval_80", out _));
            Assert.Equal(!expected[i], json.TryGetProperty("price_interval_95", out _));
            Assert.True(json.TryGetProperty("stddev", out _));
            Assert.True(json.TryGetProperty("price", out _));
        }
    }

    [Fact]
    public void A_raw_target_key_is_warming_up_for_its_first_N_records_and_the_count_survives_a_restore()
    {
        var definition = RawSensor(warmup: 4);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var records = Readings("m1", 7);
        runtime.Process(records.AsSpan(0, 2), sink);
        runtime.FlushChangelog(sink);

        // A second runtime restored from the changelog continues the key's count: records 3 and 4 still warm up.
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        restored.Process(records.AsSpan(2), sink);
        Assert.Equal(7, sink.Predictions.Count);
        bool[] expected = [true, true, true, false, false, false, false];
        for (int i = 0; i < 7; i++)
        {
            var json = sink.PredictionJson(i);
            Assert.Equal(expected[i], json.GetProperty("warming_up").GetBoolean());
            Assert.Equal(!expected[i], json.TryGetProperty("interval_80", out _));
            Assert.False(json.TryGetProperty("level", out _));
            Assert.False(json.TryGetProperty("price", out _));
        }
    }

    [Fact]
    public void WarmupTargets_zero_never_marks_and_a_Binary_head_has_no_flag()
    {
        var definition = TestPipelines.Stocks();
        definition.Output.WarmupTargets = 0;
        var sink = new RecordingSink();
        TestPipelines.Runtime(definition).Process(Bars("A", 3), sink);
        Assert.Equal(2, sink.Predictions.Count);
        Assert.All(sink.Predictions, p => Assert.False(JsonDocument.Parse(p.Json).RootElement.GetProperty("warming_up").GetBoolean()));
        Assert.True(sink.PredictionJson(0).TryGetProperty("interval_80", out _));

        var binary = RawSensor(warmup: 20);
        binary.Model.Head = HeadKind.Binary;
        binary.Target.Field = "on";
        var binarySink = new RecordingSink();
        TestPipelines.Runtime(binary).Process(Readings("m1", 3), binarySink);
        Assert.Equal(3, binarySink.Predictions.Count);
        Assert.All(binarySink.Predictions, p =>
        {
            var json = JsonDocument.Parse(p.Json).RootElement;
            Assert.False(json.TryGetProperty("warming_up", out _));
            Assert.False(json.TryGetProperty("interval_80", out _));
        });
    }

    [Fact]
    public void Intervals_and_price_bounds_are_the_normal_quantiles_of_the_forecast()
    {
        var definition = TestPipelines.Stocks();
        definition.Output.WarmupTargets = 1;
        var sink = new RecordingSink();
        var bars = Bars("A", 4);
        TestPipelines.Runtime(definition).Process(bars, sink);
        Assert.Equal(3, sink.Predictions.Count);
        for (int i = 0; i < 3; i++)
        {
            var json = sink.PredictionJson(i);
            double mean = json.GetProperty("mean").GetDouble(), sigma = json.GetProperty("stddev").GetDouble();
            double close = JsonDocument.Parse(bars[i + 1].Value).RootElement.GetProperty("close").GetDouble();
            Assert.True(sigma > 0);
            AssertPair(json, "interval_80", mean - Z80 * sigma, mean + Z80 * sigma);
            AssertPair(json, "interval_95", mean - Z95 * sigma, mean + Z95 * sigma);
            AssertNine(close * Math.Exp(mean), json.GetProperty("price").GetDouble());
            AssertPair(json, "price_interval_80", close * Math.Exp(mean - Z80 * sigma), close * Math.Exp(mean + Z80 * sigma));
            AssertPair(json, "price_interval_95", close * Math.Exp(mean - Z95 * sigma), close * Math.Exp(mean + Z95 * sigma));
        }
    }

    [Fact]
    public void A_difference_target_writes_the_forecast_level_and_its_intervals()
    {
        var definition = RawSensor(warmup: 0);
        definition.Target.Transform = TargetTransform.Difference;
        var sink = new RecordingSink();
        var records = Readings("m1", 4);
        TestPipelines.Runtime(definition).Process(records, sink);
        Assert.Equal(3, sink.Predictions.Count);
        for (int i = 0; i < 3; i++)
        {
            var json = sink.PredictionJson(i);
            double mean = json.GetProperty("mean").GetDouble(), sigma = json.GetProperty("stddev").GetDouble();
            double x = JsonDocument.Parse(records[i + 1].Value).RootElement.GetProperty("value").GetDouble();
            AssertNine(x + mean, json.GetProperty("level").GetDouble());
            AssertPair(json, "level_interval_80", x + (mean - Z80 * sigma), x + (mean + Z80 * sigma));
            AssertPair(json, "level_interval_95", x + (mean - Z95 * sigma), x + (mean + Z95 * sigma));
            Assert.False(json.TryGetProperty("price", out _));
        }
    }

    [Theory]
    [InlineData(-1, "Pipelines:sensors:Output:WarmupTargets: must be between 0 and 1000000")]
    [InlineData(1_000_001, "Pipelines:sensors:Output:WarmupTargets: must be between 0 and 1000000")]
    public void WarmupTargets_is_validated(int warmup, string error)
    {
        var definition = RawSensor(warmup);
        Assert.Equal([error], definition.Validate());
    }

    [Fact]
    public void The_default_is_20_and_the_pipeline_files_load_it()
    {
        Assert.Equal(20, new PipelineDefinition().Output.WarmupTargets);
        string json = """
            {"Name":"s","InputTopic":"in","OutputTopic":"out","Features":[{"Field":"v","Transform":"ZScore"}],
             "Target":{"Field":"v"},"Output":{"WarmupTargets":7}}
            """;
        string path = Path.Combine(Path.GetTempPath(), $"forecasts-output-{Environment.ProcessId}.json");
        File.WriteAllText(path, json);
        try
        {
            Assert.Equal(7, PipelineDefinition.Load(path).Output.WarmupTargets);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Derived numbers are written with 9 significant digits: within 1.1 units of the 9th digit.</summary>
    private static void AssertNine(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1.1e-8 * Math.Abs(expected), $"{actual:R} is not {expected:R} to 9 significant digits");

    private static void AssertPair(JsonElement json, string name, double lower, double upper)
    {
        var pair = json.GetProperty(name);
        Assert.Equal(2, pair.GetArrayLength());
        AssertNine(lower, pair[0].GetDouble());
        AssertNine(upper, pair[1].GetDouble());
        Assert.True(lower < upper);
    }

    private static PipelineDefinition RawSensor(int warmup) => new()
    {
        Name = "sensors",
        InputTopic = "readings",
        OutputTopic = "sensor-predictions",
        Features = [new FeatureOptions { Field = "value", Transform = FeatureTransform.ZScore }],
        Target = new TargetOptions { Field = "value", Transform = TargetTransform.Raw },
        Model = new ModelOptions { Cell = CellKind.Gru, HiddenSize = 6, Layers = 1, Head = HeadKind.Gaussian, Seed = 5 },
        Output = new OutputOptions { WarmupTargets = warmup },
    };

    /// <summary>Daily bars of one symbol, a fixed zig-zag of closes.</summary>
    private static InputRecord[] Bars(string symbol, int count) =>
        Enumerable.Range(0, count).Select(i => TestPipelines.Record(string.Create(CultureInfo.InvariantCulture,
            $"{{\"symbol\":\"{symbol}\",\"date\":\"{TestPipelines.Start.AddDays(i):yyyy-MM-dd}\",\"open\":{100 + i},\"close\":{100 + i + (i % 3) - 1.5},\"volume\":{1000 + 37 * i}}}"),
            offset: i)).ToArray();

    private static InputRecord[] Readings(string key, int count) =>
        Enumerable.Range(0, count).Select(i => TestPipelines.Record(string.Create(CultureInfo.InvariantCulture,
            $"{{\"value\":{70 + 0.5 * i + (i % 2)},\"on\":{i % 2}}}"), offset: i, key: key)).ToArray();
}
