using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The backtest's baselines on small crafted series whose right answers are known: the online AR(p) recovers a perfect
/// AR(1), seasonal naive repeats the value one season back, the threshold rule finds the input that decides a binary
/// target; every one is in report.json, report.md and predictions.csv (with the model's intervals).
/// </summary>
[Trait("Category", "Integration")]
public sealed class BaselineTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Pipeline(string name, string features, string target, string head, string extra = "") => _scratch.Write(name + ".json", $$"""
        {
          "Name": "{{name}}", "InputTopic": "in.{{name}}", "OutputTopic": "out.{{name}}", "DeadLetterTopic": "dead",
          "Key": { "Source": "RecordKey" }, "EventTime": { "Source": "RecordTimestamp" },
          "Features": [ {{features}} ],
          "Target": {{target}},
          "Model": { "Cell": "Gru", "HiddenSize": 8, "Layers": 1, "Head": "{{head}}", "Seed": 3 },
          "Training": { "Enabled": false }{{extra}}
        }
        """);

    private string Csv(string name, string header, IEnumerable<string> rows)
    {
        var text = new StringBuilder(header).Append('\n');
        foreach (string row in rows)
        {
            text.Append(row).Append('\n');
        }

        return _scratch.Write(name + ".csv", text.ToString());
    }

    /// <summary>predictions.csv as column → cells.</summary>
    private static Dictionary<string, string[]> Timeline(BacktestRun run)
    {
        string[] lines = File.ReadAllLines(Path.Combine(run.OutDirectory, "predictions.csv"));
        string[] header = lines[0].Split(',');
        string[][] rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        return header.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => rows.Select(r => r[c.i]).ToArray());
    }

    private static double N(string cell) => cell.Length == 0 ? double.NaN : double.Parse(cell, CultureInfo.InvariantCulture);

    [Fact]
    public void The_ar_baseline_converges_to_a_perfect_ar1_series()
    {
        // x_t = 10 · 1.01^t: x_{t+1} = 1.01 x_t exactly, which persistence misses by 1% and an AR(1) learns.
        double[] x = Enumerable.Range(0, 300).Select(t => 10 * Math.Pow(1.01, t)).ToArray();
        string csv = Csv("growth", "t,value", x.Select((v, t) => string.Create(CultureInfo.InvariantCulture, $"{1_000_000 + 60 * t},{v:R}")));
        string pipeline = Pipeline("growth", """{ "Field": "value", "Transform": "ZScore" }""", """{ "Field": "value", "Transform": "Raw", "Horizon": 1 }""", "Gaussian");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", csv, "--time-column", "t", "--ar-order", "1"]);
        Assert.True(run.ExitCode == 0, run.Error);

        var timeline = Timeline(run);
        Assert.Equal(["key", "step", "time_ms", "prediction", "target", "model_version", "stddev", "lo80", "hi80", "lo95", "hi95", "persistence", "mean", "ar"],
            File.ReadLines(Path.Combine(run.OutDirectory, "predictions.csv")).First().Split(','));
        for (int j = 0; j < x.Length; j++)
        {
            Assert.Equal(x[j], N(timeline["persistence"][j]));
            // Persistence until 2(p + 1) = 4 pairs (x_1..x_4 against x_0..x_3), then 1.01 x_j to rounding.
            double ar = N(timeline["ar"][j]);
            if (j < 4)
            {
                Assert.Equal(x[j], ar);
            }
            else if (j >= 10)
            {
                Assert.True(Math.Abs(ar - 1.01 * x[j]) <= 1e-6 * x[j], $"step {j}: {ar:R} for {1.01 * x[j]:R}");
            }

            // The model's interval columns are μ ∓ z σ.
            double mean = N(timeline["prediction"][j]), sigma = N(timeline["stddev"][j]);
            Assert.Equal(mean - 1.2815515655446004 * sigma, N(timeline["lo80"][j]));
            Assert.Equal(mean + 1.959963984540054 * sigma, N(timeline["hi95"][j]));
        }

        var report = run.Report;
        var overall = report.GetProperty("overall");
        double persistenceMae = overall.GetProperty("persistence").GetProperty("mae").GetDouble();
        double arMae = overall.GetProperty("ar").GetProperty("mae").GetDouble();
        Assert.True(arMae < 0.02 * persistenceMae, $"ar {arMae:R}, persistence {persistenceMae:R}");
        Assert.Equal("ar", report.GetProperty("best_baseline").GetString());
        Assert.Equal(overall.GetProperty("model").GetProperty("mae").GetDouble() / arMae, report.GetProperty("model_over_best_baseline").GetDouble(), 12);
        Assert.Equal(1, report.GetProperty("baselines").GetProperty("ar_order").GetInt32());
        Assert.Equal("ar", report.GetProperty("per_key").GetProperty("growth").GetProperty("best_baseline").GetString());
        string markdown = File.ReadAllText(Path.Combine(run.OutDirectory, "report.md"));
        Assert.Contains("| forecaster | scored | MAE | ÷ best baseline |", markdown);
        Assert.Contains("| ar | 299 |", markdown);
        Assert.Contains("| ar | 299 | " + arMae.ToString("G4", CultureInfo.InvariantCulture) + " | 1.0000 |", markdown);
        Assert.Contains("model MAE ÷ best baseline (ar)", run.Output);
    }

    [Fact]
    public void Seasonal_naive_repeats_the_target_one_season_back()
    {
        // A period-5 pattern; Difference target at horizon 2 is the change over the horizon, y_j = x_j − x_{j−2};
        // season 5: the forecast made at step j for y_{j+2} is y_{j−3}, and persistence (0 change) until that exists
        // (j − 3 ≥ 2).
        double[] pattern = [3, 7, 4, 9, 1];
        double[] x = Enumerable.Range(0, 60).Select(t => pattern[t % 5] + 0.5 * Math.Sin(t)).ToArray();
        string csv = Csv("cycle", "t,value", x.Select((v, t) => string.Create(CultureInfo.InvariantCulture, $"{1_000_000 + 60 * t},{v:R}")));
        string pipeline = Pipeline("cycle", """{ "Field": "value", "Transform": "Difference" }""", """{ "Field": "value", "Transform": "Difference", "Horizon": 2 }""", "Gaussian");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", csv, "--time-column", "t", "--season", "5"]);
        Assert.True(run.ExitCode == 0, run.Error);

        var timeline = Timeline(run);
        double[] y = x.Select((v, t) => t < 2 ? double.NaN : v - x[t - 2]).ToArray();
        double abs = 0;
        int scored = 0;
        for (int j = 0; j < x.Length; j++)
        {
            double expected = j - 3 >= 2 ? y[j - 3] : 0;
            Assert.Equal(expected, N(timeline["seasonal_naive"][j]));
            if (timeline["prediction"][j].Length > 0 && j + 2 < x.Length)
            {
                abs += Math.Abs(y[j + 2] - expected);
                scored++;
            }
        }

        var seasonal = run.Report.GetProperty("overall").GetProperty("seasonal_naive");
        Assert.Equal(scored, seasonal.GetProperty("scored").GetInt32());
        Assert.Equal(abs / scored, seasonal.GetProperty("mae").GetDouble(), 12);
        Assert.Equal(5, run.Report.GetProperty("baselines").GetProperty("season").GetInt32());
    }

    [Fact]
    public void The_rule_baseline_finds_the_input_that_decides_a_binary_target()
    {
        // y_{t+1} = 1 exactly when b_t ≥ 0.7; a is noise. Two keys, interleaved in time: the rule is fitted across them.
        var random = new Random(7);
        var rows = new List<string>();
        var previous = new Dictionary<string, double> { ["k1"] = 0, ["k2"] = 0 };
        for (int t = 0; t < 400; t++)
        {
            foreach (string? key in new[] { "k1", "k2" })
            {
                double a = Math.Round(random.NextDouble(), 3), b = Math.Round(random.NextDouble(), 3);
                int label = previous[key] >= 0.7 ? 1 : 0;
                previous[key] = b;
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"{key},{1_000_000 + 60 * t},{a},{b},{label}"));
            }
        }

        string csv = Csv("decided", "key,t,a,b,y", rows);
        string pipeline = Pipeline("decided", """{ "Field": "a", "Transform": "Raw" }, { "Field": "b", "Transform": "Raw" }""",
            """{ "Field": "y", "Transform": "Raw", "Horizon": 1 }""", "Binary");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", csv, "--time-column", "t", "--key-column", "key"]);
        Assert.True(run.ExitCode == 0, run.Error);

        var report = run.Report;
        string rule = report.GetProperty("baselines").GetProperty("rule").GetString()!;
        Assert.StartsWith("b >= ", rule);
        double threshold = double.Parse(rule.Split(' ')[2], CultureInfo.InvariantCulture);
        Assert.InRange(threshold, 0.7, 0.72);
        var overall = report.GetProperty("overall");
        Assert.Equal(["model", "base_rate", "persistence", "rule"], overall.EnumerateObject().Select(p => p.Name));
        var ruleMetrics = overall.GetProperty("rule");
        Assert.Equal(1.0, ruleMetrics.GetProperty("precision").GetDouble());
        Assert.True(ruleMetrics.GetProperty("recall").GetDouble() > 0.9);
        Assert.Equal("rule", report.GetProperty("best_baseline").GetString());
        Assert.True(ruleMetrics.GetProperty("log_loss").GetDouble() < 0.5 * overall.GetProperty("base_rate").GetProperty("log_loss").GetDouble());

        // Before the first fit (16 known pairs) the rule forecasts 0.5; afterwards a calibrated rate, never 0 or 1.
        var timeline = Timeline(run);
        double[] forecasts = timeline["rule"].Select(N).ToArray();
        Assert.Equal(0.5, forecasts[0]);
        Assert.All(forecasts, p => Assert.InRange(p, 1e-3, 1 - 1e-3));
    }

    [Theory]
    [InlineData("Raw", 1)]
    [InlineData("Difference", 3)]
    public void The_live_baselines_of_the_engine_score_exactly_what_the_report_scores(string transform, int horizon)
    {
        // The pipeline's Baselines section sets both the engine's live baselines and the backtest's defaults; the
        // engine keeps them per key in its side table, the report recomputes them from the CSV: the same forecasts.
        var random = new Random(11);
        var rows = new List<string>();
        var level = new Dictionary<string, double> { ["a"] = 50, ["b"] = 20 };
        for (int t = 0; t < 400; t++)
        {
            foreach (string? key in new[] { "a", "b" })
            {
                level[key] = 0.7 * level[key] + 0.3 * (key == "a" ? 50 : 20) + 3 * Math.Sin(t * 2 * Math.PI / 7) + random.NextDouble();
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"{key},{1_000_000 + 60 * t},{level[key]:R}"));
            }
        }

        string csv = Csv("live", "key,t,value", rows);
        string pipeline = Pipeline("live", """{ "Field": "value", "Transform": "ZScore" }""",
            $$"""{ "Field": "value", "Transform": "{{transform}}", "Horizon": {{horizon}} }""", "Gaussian",
            """, "Baselines": { "ArOrder": 2, "ArForgetting": 0.995, "Season": 7 }""");
        using var run = BacktestRun.Start(["--pipeline", pipeline, "--csv", csv, "--time-column", "t", "--key-column", "key"]);
        Assert.True(run.ExitCode == 0, run.Error);

        var report = run.Report;
        Assert.Equal(2, report.GetProperty("baselines").GetProperty("ar_order").GetInt32());
        Assert.Equal(7, report.GetProperty("baselines").GetProperty("season").GetInt32());
        var engine = report.GetProperty("engine_prequential");
        foreach (string? name in new[] { "ar", "seasonal_naive" })
        {
            var live = engine.GetProperty("baselines").GetProperty(name);
            var scored = report.GetProperty("overall").GetProperty(name);
            Assert.Equal(scored.GetProperty("scored").GetInt64(), live.GetProperty("scored").GetInt64());
            Assert.Equal(engine.GetProperty("scored").GetInt64(), live.GetProperty("scored").GetInt64());
            Assert.Equal(scored.GetProperty("mae").GetDouble(), live.GetProperty("mae").GetDouble(), 10);
            Assert.Equal(scored.GetProperty("rmse").GetDouble(), live.GetProperty("rmse").GetDouble(), 10);
        }

        // The series is an AR(1) around a weekly cycle: both strong baselines beat persistence.
        var overall = report.GetProperty("overall");
        double persistence = overall.GetProperty("persistence").GetProperty("mae").GetDouble();
        Assert.True(overall.GetProperty("ar").GetProperty("mae").GetDouble() < persistence);
    }

    [Fact]
    public void Ar_options_are_checked()
    {
        using var order = BacktestRun.Start(["--pipeline", "p.json", "--csv", "c.csv", "--ar-order", "0"]);
        Assert.Equal((2, $"streamrnn-tools: --ar-order: must be a whole number from 1 to {BaselineOptions.MaxArOrder}.\n"), (order.ExitCode, order.Error.ReplaceLineEndings("\n")));
        using var season = BacktestRun.Start(["--pipeline", "p.json", "--csv", "c.csv", "--season", "0"]);
        Assert.Equal((2, "streamrnn-tools: --season: must be a whole number from 1 to 1000000.\n"), (season.ExitCode, season.Error.ReplaceLineEndings("\n")));
        using var forgetting = BacktestRun.Start(["--pipeline", "p.json", "--csv", "c.csv", "--ar-forgetting", "1.5"]);
        Assert.Equal((2, "streamrnn-tools: --ar-forgetting: must be a number above 0 and at most 1.\n"), (forgetting.ExitCode, forgetting.Error.ReplaceLineEndings("\n")));
    }
}
