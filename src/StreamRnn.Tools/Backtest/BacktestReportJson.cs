using System.Text.Encodings.Web;
using System.Text.Json;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Writes report.json: the run (inputs, rows, training, timing), overall and per-key metrics of the model and the
/// baselines side by side, the engine's own prequential summary, alert quality and the chart files. NaN is null.
/// </summary>
internal static class BacktestReportJson
{
    public static void Write(string path, BacktestResult result, BacktestScores scores, IReadOnlyList<string> charts, string? chartProblem)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var definition = result.Definition;
        var counters = result.Counters;
        w.WriteStartObject();
        w.WriteString("pipeline", definition.Name);
        w.WriteString("pipeline_file", result.Settings.PipelinePath);
        w.WriteString("csv", result.Settings.CsvPath);
        w.WriteString("head", definition.Model.Head.ToString());
        w.WriteStartObject("target");
        w.WriteString("field", definition.Target.Field);
        w.WriteString("transform", definition.Target.Transform.ToString());
        w.WriteNumber("horizon", definition.Target.Horizon);
        w.WriteEndObject();

        w.WriteStartObject("rows");
        w.WriteNumber("read", result.Input.Rows.Length);
        w.WriteNumber("applied", counters.RecordsApplied);
        w.WriteNumber("dead_lettered", counters.DeadLetters);
        w.WriteStartObject("dead_letters_by_reason");
        foreach (var group in result.Sink.DeadLetters.Values.GroupBy(r => r).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            w.WriteNumber(group.Key.ToString(), group.Count());
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteNumber("keys", scores.PerKey.Count);
        w.WriteNumber("predictions", counters.PredictionsProduced);
        w.WriteNumber("scored", scores.Overall["model"].Scored);
        w.WriteNumber("batch_rows", result.Settings.BatchRows);

        var training = result.Training;
        w.WriteStartObject("training");
        w.WriteBoolean("enabled", training.Enabled);
        w.WriteNumber("rounds", training.Rounds);
        w.WriteNumber("promoted", training.Promoted);
        w.WriteNumber("rejected", training.Rejected);
        w.WriteNumber("skipped", training.Skipped);
        w.WriteNumber("failed", training.Failed);
        w.WriteNumber("windows_completed", training.WindowsCompleted);
        w.WriteNumber("windows_trained", training.WindowsTrained);
        w.WriteNumber("first_model_version", training.FirstVersion);
        w.WriteNumber("last_model_version", training.LastVersion);
        w.WriteNumber("passes", training.Passes);
        w.WriteNumber("start_model_version", training.StartVersion);
        w.WriteEndObject();

        if (!double.IsNaN(scores.Threshold))
        {
            w.WriteNumber("threshold", scores.Threshold);
        }

        bool binary = !double.IsNaN(scores.Threshold);
        w.WriteStartObject("baselines");
        w.WriteStartArray("forecasters");
        foreach (string? name in scores.Forecasters.Skip(1))
        {
            w.WriteStringValue(name);
        }

        w.WriteEndArray();
        if (!binary)
        {
            w.WriteNumber("ar_order", result.Settings.ArOrderFor(definition));
            w.WriteNumber("ar_forgetting", result.Settings.ArForgettingFor(definition));
            if (result.Settings.SeasonFor(definition) is int season)
            {
                w.WriteNumber("season", season);
            }
        }
        else if (scores.Rule is { } rule)
        {
            w.WriteString("rule", rule);
        }

        w.WriteEndObject();

        w.WriteStartObject("overall");
        WriteForecasters(w, scores.Forecasters, scores.Overall);
        w.WriteEndObject();
        WriteBest(w, scores.Forecasters, scores.Overall, binary);

        if (scores.HorizonScores.Count > 0)
        {
            // Target:Horizons: horizons.h6.overall.<forecaster>, each horizon against its own baselines.
            w.WriteStartObject("horizons");
            foreach (var (horizon, horizonScores) in scores.HorizonScores)
            {
                w.WriteStartObject("h" + horizon.ToString(System.Globalization.CultureInfo.InvariantCulture));
                w.WriteNumber("horizon", horizon);
                w.WriteStartObject("overall");
                WriteForecasters(w, horizonScores.Forecasters, horizonScores.Overall);
                w.WriteEndObject();
                WriteBest(w, horizonScores.Forecasters, horizonScores.Overall, binary);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteStartObject("per_key");
        foreach (var key in scores.PerKey)
        {
            w.WriteStartObject(key.Key);
            w.WriteNumber("rows", key.Steps);
            w.WriteNumber("predictions", key.Predictions);
            WriteForecasters(w, scores.Forecasters, key.Forecasters);
            WriteBest(w, scores.Forecasters, key.Forecasters, binary);
            w.WriteEndObject();
        }

        w.WriteEndObject();

        var engine = result.EngineSummary;
        w.WriteStartObject("engine_prequential");
        w.WriteNumber("scored", engine.Scored);
        Number(w, "model_mae", engine.ModelMae);
        Number(w, "model_rmse", engine.ModelRmse);
        Number(w, "baseline_mae", engine.BaselineMae);
        Number(w, "baseline_rmse", engine.BaselineRmse);
        Number(w, "coverage_80", engine.Coverage80);
        Number(w, "model_log_loss", engine.ModelLogLoss);
        Number(w, "baseline_log_loss", engine.BaselineLogLoss);
        Number(w, "model_brier", engine.ModelBrier);
        Number(w, "baseline_brier", engine.BaselineBrier);
        w.WriteStartObject("baselines");
        foreach (var baseline in engine.Baselines)
        {
            w.WriteStartObject(baseline.Forecaster);
            w.WriteNumber("scored", baseline.Scored);
            Number(w, "mae", baseline.Mae);
            Number(w, "rmse", baseline.Rmse);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.WriteEndObject();

        if (scores.AlertQuality is { } quality)
        {
            var alerts = definition.Alerts!;
            w.WriteStartObject("alerts");
            w.WriteString("rule", alerts.RaiseReason(alerts.MinReadings));
            w.WriteNumber("raised", result.Sink.Alerts.Count(a => a.Raised));
            w.WriteNumber("cleared", result.Sink.Alerts.Count(a => !a.Raised));
            w.WriteStartObject("raised_by_severity");
            foreach (string severity in alerts.SeverityNames())
            {
                w.WriteNumber(severity, result.Sink.Alerts.Count(a => a.Raised && a.Severity == severity));
            }

            w.WriteEndObject();
            WriteQuality(w, quality, "quality");
            if (scores.DetectionQuality is { } detection)
            {
                WriteQuality(w, detection, "detection_quality");
            }

            w.WriteEndObject();
        }

        w.WriteStartArray("charts");
        foreach (string chart in charts)
        {
            w.WriteStringValue(chart);
        }

        w.WriteEndArray();
        if (chartProblem is not null)
        {
            w.WriteString("charts_problem", chartProblem);
        }

        w.WriteNumber("elapsed_seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
        w.WriteEndObject();
    }

    private static void WriteForecasters(Utf8JsonWriter w, IReadOnlyList<string> forecasters, IReadOnlyDictionary<string, ForecastMetrics> metrics)
    {
        foreach (string name in forecasters)
        {
            var m = metrics[name];
            w.WriteStartObject(name);
            w.WriteNumber("scored", m.Scored);
            Number(w, "mae", m.Mae);
            Number(w, "rmse", m.Rmse);
            if (double.IsNaN(m.LogLoss))
            {
                Number(w, "coverage_80", m.Coverage80);
                Number(w, "coverage_95", m.Coverage95);
                w.WriteNumber("interval_scored", m.IntervalScored);
            }
            else
            {
                Number(w, "log_loss", m.LogLoss);
                Number(w, "brier", m.Brier);
                Number(w, "precision", m.Precision);
                Number(w, "recall", m.Recall);
            }

            w.WriteEndObject();
        }
    }

    /// <summary>best_baseline (lowest MAE, log-loss for a Binary head) and the model's error divided by its.</summary>
    private static void WriteBest(Utf8JsonWriter w, IReadOnlyList<string> forecasters, IReadOnlyDictionary<string, ForecastMetrics> metrics, bool binary)
    {
        if (BacktestScoring.BestBaseline(forecasters, metrics, binary) is not { } best)
        {
            w.WriteNull("best_baseline");
            return;
        }

        w.WriteString("best_baseline", best);
        Number(w, "model_over_best_baseline", binary ? metrics["model"].LogLoss / metrics[best].LogLoss : metrics["model"].Mae / metrics[best].Mae);
    }

    private static void WriteQuality(Utf8JsonWriter w, AlertQuality quality, string name)
    {
        w.WriteStartObject(name);
        w.WriteNumber("window_seconds", quality.WindowSeconds);
        w.WriteNumber("grace_seconds", quality.GraceSeconds);
        w.WriteNumber("alerts", quality.Alerts);
        w.WriteNumber("true_alerts", quality.TrueAlerts);
        w.WriteNumber("events", quality.Events);
        w.WriteNumber("detected_events", quality.DetectedEvents);
        Number(w, "precision", quality.Precision);
        Number(w, "recall", quality.Recall);
        Number(w, "monitored_hours", quality.MonitoredHours);
        Number(w, "false_alerts_per_hour", quality.FalseAlertsPerHour);
        Number(w, "lead_time_median_seconds", quality.LeadTimeMedianSeconds);
        Number(w, "lead_time_p10_seconds", quality.LeadTimeP10Seconds);
        Number(w, "lead_time_p90_seconds", quality.LeadTimeP90Seconds);
        w.WriteEndObject();
    }

    /// <summary>A finite number, or null (JSON has no NaN or infinity).</summary>
    internal static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
