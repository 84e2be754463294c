using System.Globalization;
using System.Text.Json;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// Backtests of small real samples, checked against numbers recomputed here from the CSV alone: row and key counts,
/// the naive baselines' errors, the engine's own summary, the bed exits and the alert quality.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BacktestReportTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static double Get(JsonElement element, params string[] path)
    {
        foreach (string name in path)
        {
            element = element.GetProperty(name);
        }

        return element.GetDouble();
    }

    private static void AssertRelative(double expected, double actual, double tolerance)
    {
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");
    }

    [Fact]
    public void Stocks_counts_and_baselines_match_a_recomputation_from_the_csv()
    {
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.StocksPipeline, "--csv", BacktestFiles.StocksCsv, "--time-column", "date"]);
        Assert.Equal(0, run.ExitCode);
        var report = run.Report;

        // 3 symbols × 251 days. LogReturn features need one earlier row, so each symbol's first row predicts nothing;
        // each symbol's last prediction has no target yet.
        Assert.Equal(753, Get(report, "rows", "read"));
        Assert.Equal(753, Get(report, "rows", "applied"));
        Assert.Equal(3, Get(report, "keys"));
        Assert.Equal(750, Get(report, "predictions"));
        Assert.Equal(747, Get(report, "scored"));
        // The shipped pipeline trains online, but 3 × 251 rows give 46 windows, fewer than Training:WarmupWindows (256).
        Assert.True(report.GetProperty("training").GetProperty("enabled").GetBoolean());

        // Target y_t = ln(close_t / close_{t-1}); forecasts made at days 1..249 of a symbol are scored on y_2..y_250.
        // Persistence forecasts a zero return; "mean" forecasts the mean of y_1..y_t with their sample deviation.
        double persistenceAbs = 0, persistenceSquared = 0, meanAbs = 0;
        long meanCovered80 = 0, meanIntervals = 0;
        int scored = 0;
        foreach (var symbol in BacktestFiles.ReadRows(BacktestFiles.StocksCsv).GroupBy(r => r["symbol"]))
        {
            double[] close = symbol.OrderBy(r => r["date"], StringComparer.Ordinal).Select(r => BacktestFiles.Number(r["close"])).ToArray();
            double[] y = new double[close.Length];
            for (int t = 1; t < close.Length; t++)
            {
                y[t] = Math.Log(close[t] / close[t - 1]);
            }

            for (int j = 1; j + 1 < close.Length; j++)
            {
                double target = y[j + 1];
                persistenceAbs += Math.Abs(target);
                persistenceSquared += target * target;
                double[] past = y[1..(j + 1)];
                double mean = past.Average();
                meanAbs += Math.Abs(target - mean);
                if (past.Length >= 2)
                {
                    double sd = Math.Sqrt(past.Sum(v => (v - mean) * (v - mean)) / (past.Length - 1));
                    meanIntervals++;
                    meanCovered80 += Math.Abs(target - mean) <= 1.2815515655446004 * sd ? 1 : 0;
                }

                scored++;
            }
        }

        Assert.Equal(747, scored);
        var overall = report.GetProperty("overall");
        Assert.Equal(747, Get(overall, "persistence", "scored"));
        AssertRelative(persistenceAbs / scored, Get(overall, "persistence", "mae"), 1e-12);
        AssertRelative(Math.Sqrt(persistenceSquared / scored), Get(overall, "persistence", "rmse"), 1e-12);
        AssertRelative(meanAbs / scored, Get(overall, "mean", "mae"), 1e-12);
        Assert.Equal(meanIntervals, Get(overall, "mean", "interval_scored"));
        AssertRelative((double)meanCovered80 / meanIntervals, Get(overall, "mean", "coverage_80"), 1e-12);

        // The engine's own prequential summary scores the same forecasts: its zero-return baseline is our persistence,
        // and its model errors are ours (summed in another order).
        var engine = report.GetProperty("engine_prequential");
        Assert.Equal(747, Get(engine, "scored"));
        AssertRelative(persistenceAbs / scored, Get(engine, "baseline_mae"), 1e-12);
        AssertRelative(Get(overall, "model", "mae"), Get(engine, "model_mae"), 1e-12);
        AssertRelative(Get(overall, "model", "rmse"), Get(engine, "model_rmse"), 1e-12);
        AssertRelative(Get(overall, "model", "coverage_80"), Get(engine, "coverage_80"), 1e-12);
        Assert.InRange(Get(overall, "model", "coverage_95"), Get(overall, "model", "coverage_80"), 1);

        // Per key: every symbol with its rows, and the scored counts add up.
        var perKey = report.GetProperty("per_key");
        Assert.Equal(["AAL", "AAPL", "AMZN"], perKey.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var key in perKey.EnumerateObject())
        {
            Assert.Equal(251, Get(key.Value, "rows"));
            Assert.Equal(250, Get(key.Value, "predictions"));
            Assert.Equal(249, Get(key.Value, "model", "scored"));
        }

        // Charts: one per key drawn, real PNG files, listed in both reports.
        string[] charts = report.GetProperty("charts").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(["forecast-AAL.png", "forecast-AAPL.png", "forecast-AMZN.png"], charts.Order(StringComparer.Ordinal));
        string markdown = File.ReadAllText(Path.Combine(run.OutDirectory, "report.md"));
        foreach (string? chart in charts)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(run.OutDirectory, chart));
            Assert.True(bytes.Length > 10_000, $"{chart} is only {bytes.Length} bytes");
            Assert.Equal(PngSignature, bytes[..8]);
            Assert.Contains($"]({chart})", markdown, StringComparison.Ordinal);
        }

        Assert.Contains("| persistence | 747 | " + Get(overall, "persistence", "mae").ToString("G4", CultureInfo.InvariantCulture) + " |", markdown, StringComparison.Ordinal);
        Assert.Contains("backtest stocks: 753 rows, 3 keys, 750 predictions, 747 scored", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_series_keyed_by_file_name_scores_exactly_like_the_engine()
    {
        using var run = BacktestRun.Start(["--pipeline", BacktestFiles.MachinePipeline, "--csv", BacktestFiles.MachineCsv, "--time-column", "timestamp", "--batch", "64"]);
        Assert.Equal(0, run.ExitCode);
        var report = run.Report;

        // One series, 2,000 rows; a Difference feature needs one earlier row. Raw target: persistence forecasts x_t.
        double[] values = BacktestFiles.ReadRows(BacktestFiles.MachineCsv).Select(r => BacktestFiles.Number(r["value"])).ToArray();
        double persistenceAbs = 0;
        for (int j = 1; j + 1 < values.Length; j++)
        {
            persistenceAbs += Math.Abs(values[j + 1] - values[j]);
        }

        Assert.Equal(1999, Get(report, "predictions"));
        Assert.Equal(1998, Get(report, "scored"));
        var key = Assert.Single(report.GetProperty("per_key").EnumerateObject());
        Assert.Equal("machine_temperature_system_failure", key.Name);
        var overall = report.GetProperty("overall");
        AssertRelative(persistenceAbs / 1998, Get(overall, "persistence", "mae"), 1e-12);

        // One key: the engine summed the same errors in the same order, so the numbers are identical, not just close.
        var engine = report.GetProperty("engine_prequential");
        Assert.Equal(Get(engine, "baseline_mae"), Get(overall, "persistence", "mae"));
        Assert.Equal(Get(engine, "model_mae"), Get(overall, "model", "mae"));
        Assert.Equal(Get(engine, "coverage_80"), Get(overall, "model", "coverage_80"));
        Assert.Equal(["forecast-machine_temperature_system_failure.png"], report.GetProperty("charts").EnumerateArray().Select(c => c.GetString()));
    }

    [Fact]
    public void Bed_exits_come_from_the_data_and_alert_quality_matches_a_brute_force_count()
    {
        var settings = new BacktestSettings(BacktestFiles.BedExitPipeline, BacktestFiles.BedExitCsv, "unused",
            TimeColumn: "time_s", EventColumn: "in_bed", EventValue: "0");
        var result = new BacktestRunner(settings).Run();
        var scores = BacktestScoring.Score(result);

        Assert.Equal(3038, result.Input.Rows.Length);
        Assert.Equal(8, scores.PerKey.Count);
        Assert.Equal(3038, result.Counters.PredictionsProduced);
        Assert.Equal(3030, scores.Overall["model"].Scored);

        // The exits found in the replay are exactly the curated exit list of these trials.
        var expectedExits = BacktestFiles.ReadRows(BacktestFiles.BedExitEventsCsv)
            .Select(e => new KeyedInstant(e["trial_id"], (long)Math.Round(BacktestFiles.Number(e["first_out_of_bed_time_s"]) * 1000)))
            .OrderBy(e => e.Key, StringComparer.Ordinal).ThenBy(e => e.UnixMs).ToList();
        Assert.Equal(13, expectedExits.Count);
        Assert.Equal(expectedExits, scores.Events.OrderBy(e => e.Key, StringComparer.Ordinal).ThenBy(e => e.UnixMs));

        // Alert quality, counted the slow obvious way from the alert records.
        var raised = result.Sink.Alerts.Where(a => a.Raised).ToList();
        Assert.NotEmpty(raised);
        int trueAlerts = raised.Count(a => expectedExits.Any(e => e.Key == a.Key && e.UnixMs >= a.EventTimeUnixMs && e.UnixMs - a.EventTimeUnixMs <= 15_000));
        int detected = expectedExits.Count(e => raised.Any(a => a.Key == e.Key && a.EventTimeUnixMs <= e.UnixMs && e.UnixMs - a.EventTimeUnixMs <= 15_000));
        double hours = BacktestFiles.ReadRows(BacktestFiles.BedExitCsv).GroupBy(r => r["trial_id"])
            .Sum(t => t.Max(r => BacktestFiles.Number(r["time_s"])) - t.Min(r => BacktestFiles.Number(r["time_s"]))) / 3600;
        var quality = scores.AlertQuality!;
        Assert.Equal((raised.Count, trueAlerts, 13, detected), (quality.Alerts, quality.TrueAlerts, quality.Events, quality.DetectedEvents));
        AssertRelative(hours, quality.MonitoredHours, 1e-9);
        AssertRelative((raised.Count - trueAlerts) / hours, quality.FalseAlertsPerHour, 1e-9);

        // Every raise is followed by its clear or is the key's open alert at the end; reasons name the rule.
        foreach (var trial in result.Sink.Alerts.GroupBy(a => a.Key))
        {
            bool[] states = trial.Select(a => a.Raised).ToArray();
            for (int i = 0; i < states.Length; i++)
            {
                Assert.Equal(i % 2 == 0, states[i]);
            }
        }

        Assert.All(raised, a => Assert.StartsWith("p(exit within 15 s) ≥ 0.3 for ", a.Reason, StringComparison.Ordinal));

        // Online training ran in lock-step: rounds happened and every promotion is a new version in use.
        var training = result.Training;
        Assert.True(training.Enabled);
        Assert.True(training.Rounds > 0);
        Assert.Equal(training.Rounds, training.Promoted + training.Rejected + training.Skipped + training.Failed);
        Assert.Equal(1 + training.Promoted, training.LastVersion);
        // Weights change only between batches: versions never go back, and a round after the last batch is not used.
        long[] versions = result.Sink.Predictions.Select(p => p.ModelVersion).ToArray();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(1, versions[0]);
        Assert.InRange(versions[^1], 2, training.LastVersion);
    }

    [Fact]
    public void A_replay_is_deterministic_and_writes_the_alert_timeline()
    {
        string[] arguments = ["--pipeline", BacktestFiles.BedExitPipeline, "--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s",
            "--event-column", "in_bed", "--event-value", "0", "--chart-keys", "1"];
        using var first = BacktestRun.Start(arguments);
        using var second = BacktestRun.Start(arguments);
        Assert.Equal(0, first.ExitCode);

        static string Stable(JsonElement report) => string.Join("\n",
            report.EnumerateObject().Where(p => p.Name is not ("elapsed_seconds" or "pipeline_file" or "csv")).Select(p => p.Name + "=" + p.Value.GetRawText()));
        Assert.Equal(Stable(first.Report), Stable(second.Report));

        var report = first.Report;
        Assert.Equal(13, Get(report, "alerts", "quality", "events"));
        Assert.Equal(0.3, Get(report, "threshold"));
        string[] charts = report.GetProperty("charts").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(2, charts.Length);
        Assert.StartsWith("probability-d1p0", charts[0], StringComparison.Ordinal);
        Assert.Equal("alerts-timeline.png", charts[1]);
        Assert.Equal(PngSignature, File.ReadAllBytes(Path.Combine(first.OutDirectory, charts[1]))[..8]);
        Assert.Contains("## Alerts as the nurse sees them", File.ReadAllText(Path.Combine(first.OutDirectory, "report.md")), StringComparison.Ordinal);
    }
}
