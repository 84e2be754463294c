using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// A backtest of a Target:Horizons pipeline ([1, 3], Difference target) on a small synthetic CSV: each horizon's target
/// is the change from the forecast's step to h steps later (no look-ahead: nothing of a later row reaches a forecast or a
/// baseline), each horizon has its own baselines, and horizon 1 equals a Horizon: 1 pipeline's run whose weights coincide
/// (predictions, targets, baselines and scores).
/// </summary>
[Trait("Category", "Integration")]
public sealed class HorizonsBacktestTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static double X(int t) => Math.Round(10 + 3 * Math.Sin(t / 5.0) + 0.01 * t * t + (t * 7919 % 13) / 10.0, 3);

    private string Pipeline(string name, string target) => _scratch.Write(name + ".json", $$"""
        {
          "Name": "{{name}}", "InputTopic": "in.{{name}}", "OutputTopic": "out.{{name}}", "DeadLetterTopic": "dead",
          "Key": { "Source": "RecordKey" }, "EventTime": { "Source": "RecordTimestamp" },
          "Features": [ { "Field": "value", "Transform": "Difference" }, { "Field": "value", "Transform": "ZScore" } ],
          "Target": {{target}},
          "Model": { "Cell": "Gru", "HiddenSize": 6, "Layers": 1, "Head": "Gaussian", "Seed": 3 },
          "Training": { "Enabled": false }
        }
        """);

    private static Dictionary<string, string[]> Timeline(BacktestRun run)
    {
        string[] lines = File.ReadAllLines(Path.Combine(run.OutDirectory, "predictions.csv"));
        string[] header = lines[0].Split(',');
        string[][] rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        return header.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => rows.Select(r => r[c.i]).ToArray());
    }

    private static double N(string cell) => cell.Length == 0 ? double.NaN : double.Parse(cell, CultureInfo.InvariantCulture);

    [Fact]
    public void Each_horizon_is_scored_against_its_own_targets_and_baselines_and_horizon_1_equals_a_Horizon_1_run()
    {
        const int rows = 160;
        var csv = new StringBuilder("t,value\n");
        for (int t = 0; t < rows; t++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{1_000_000 + 60 * t},{X(t):R}\n");
        }

        string data = _scratch.Write("series.csv", csv.ToString());
        string single = Pipeline("single", """{ "Field": "value", "Transform": "Difference", "Horizon": 1 }""");
        string multi = Pipeline("multi", """{ "Field": "value", "Transform": "Difference", "Horizons": [1, 3] }""");

        // Coinciding weights: the two-horizon head's first horizon rows are the one-horizon head's.
        var singleShape = new ModelShape(CellKind.Gru, 2, 6, 1, HeadKind.Gaussian);
        var singleWeights = ModelWeights.Initialize(singleShape, 3);
        var multiShape = singleShape with { Horizons = 2 };
        float[] parameters = new float[multiShape.ParameterCount];
        int offset = singleShape.HeadParameterOffset, hidden = 6;
        singleWeights.Parameters[..offset].CopyTo(parameters);
        int[] source = [0, 0, 1, 1]; // [μ_1, μ_3, s_1, s_3] ← [μ, s]
        for (int o = 0; o < 4; o++)
        {
            float scale = o % 2 == 0 ? 1f : 0.8f;
            for (int j = 0; j < hidden; j++)
            {
                parameters[offset + o * hidden + j] = scale * singleWeights.Parameters[offset + source[o] * hidden + j];
            }

            parameters[offset + 4 * hidden + o] = singleWeights.Parameters[offset + 2 * hidden + source[o]];
        }

        string singleModel = _scratch.Combine("single.srnn"), multiModel = _scratch.Combine("multi.srnn");
        using (var stream = File.Create(singleModel))
        {
            singleWeights.WriteTo(stream);
        }

        using (var stream = File.Create(multiModel))
        {
            ModelWeights.FromParameters(multiShape, parameters, 1).WriteTo(stream);
        }

        using var one = BacktestRun.Start(["--pipeline", single, "--csv", data, "--time-column", "t", "--model", singleModel, "--ar-order", "2", "--season", "10"]);
        using var both = BacktestRun.Start(["--pipeline", multi, "--csv", data, "--time-column", "t", "--model", multiModel, "--ar-order", "2", "--season", "10"]);
        Assert.True(one.ExitCode == 0, one.Error);
        Assert.True(both.ExitCode == 0, both.Error);

        var expected = Timeline(one);
        var actual = Timeline(both);
        string[] baselines = ["persistence", "mean", "ar", "seasonal_naive"];
        Assert.Equal(
            ["key", "step", "time_ms", "prediction", "target", "model_version", "stddev", "lo80", "hi80", "lo95", "hi95", .. baselines,
             "h1_prediction", "h1_target", "h1_stddev", .. baselines.Select(b => "h1_" + b),
             "h3_prediction", "h3_target", "h3_stddev", .. baselines.Select(b => "h3_" + b)],
            File.ReadLines(Path.Combine(both.OutDirectory, "predictions.csv")).First().Split(','));
        foreach (string column in (string[])["prediction", "target", "stddev", "lo95", "hi95", .. baselines])
        {
            Assert.Equal(expected[column], actual[column]);
            if (column is not ("lo95" or "hi95"))
            {
                Assert.Equal(expected[column], actual["h1_" + column]);
            }
        }

        for (int j = 0; j < rows; j++)
        {
            // The target of the forecast made at step j over 3 steps: x[j + 3] − x[j], known only 3 rows later.
            double target = N(actual["h3_target"][j]);
            if (j + 3 < rows && j >= 0)
            {
                Assert.Equal(X(j + 3) - X(j), target);
            }
            else
            {
                Assert.True(double.IsNaN(target));
            }

            // Persistence over 3 steps is no change; seasonal naive the change over the same 3 steps one season earlier.
            Assert.Equal(0, N(actual["h3_persistence"][j]));
            double seasonal = N(actual["h3_seasonal_naive"][j]);
            if (j + 3 - 10 >= 3)
            {
                Assert.Equal(X(j + 3 - 10) - X(j - 10), seasonal);
            }

            // The first three steps have no horizon-3 statistics yet: no forecast; afterwards there is one.
            Assert.Equal(j < 3, double.IsNaN(N(actual["h3_prediction"][j])));
        }

        var singleReport = one.Report;
        var horizons = both.Report.GetProperty("horizons");
        var h1 = horizons.GetProperty("h1");
        var h3 = horizons.GetProperty("h3");
        Assert.Equal(3, h3.GetProperty("horizon").GetInt32());
        foreach (string forecaster in (string[])["model", .. baselines])
        {
            Assert.Equal(singleReport.GetProperty("overall").GetProperty(forecaster).GetProperty("mae").GetDouble(),
                h1.GetProperty("overall").GetProperty(forecaster).GetProperty("mae").GetDouble());
            Assert.Equal(singleReport.GetProperty("overall").GetProperty(forecaster).GetProperty("scored").GetInt32(),
                h1.GetProperty("overall").GetProperty(forecaster).GetProperty("scored").GetInt32());
        }

        // Horizon 3: forecasts of steps 3..156 scored (154), the baselines on the same forecasts; MAE recomputed from the CSV.
        var h3Model = h3.GetProperty("overall").GetProperty("model");
        Assert.Equal(rows - 3 - 3, h3Model.GetProperty("scored").GetInt32());
        double sum = 0, persistence = 0;
        int count = 0;
        for (int j = 3; j + 3 < rows; j++)
        {
            sum += Math.Abs(N(actual["h3_target"][j]) - N(actual["h3_prediction"][j]));
            persistence += Math.Abs(N(actual["h3_target"][j]));
            count++;
        }

        Assert.Equal(sum / count, h3Model.GetProperty("mae").GetDouble(), 9);
        Assert.Equal(persistence / count, h3.GetProperty("overall").GetProperty("persistence").GetProperty("mae").GetDouble(), 9);
        Assert.True(h3.TryGetProperty("best_baseline", out _));
        string markdown = File.ReadAllText(Path.Combine(both.OutDirectory, "report.md"));
        Assert.Contains("### Horizon 1 (1 step(s) ahead)", markdown);
        Assert.Contains("### Horizon 3 (3 step(s) ahead)", markdown);
    }
}
