using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRnn.CommandLine;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Tools.Calibration;

/// <summary>
/// Per-room calibration of an event-probability alert pipeline (a Binary head, or a Categorical head whose event is its
/// Target:Positive classes), in process with <see cref="BacktestRunner"/> (steps 1–2 of
/// bench/bedexit/protocol.py): (1) learn on the labelled sessions exactly as <c>backtest --passes N --save-model</c>
/// does, writing the final champion to DIR/model.srnn; (2) replay the same sessions from that model once per candidate
/// threshold (ClearThreshold = ratio × threshold, the rest of the pipeline as written, online training on if the pipeline
/// has it, as a <c>backtest --model</c> would) and keep the best F1 of detection, ties to the higher threshold; (3) write
/// DIR/pipeline.json with Model:File (the model's absolute path) and the chosen thresholds.
/// </summary>
internal static class Calibrator
{
    public const string ModelFile = "model.srnn";
    public const string PipelineFile = "pipeline.json";

    /// <summary>Runs the calibration; problems are <see cref="BacktestException"/>s naming the option or setting.</summary>
    public static CalibrationResult Run(CalibrationSettings settings, TextWriter log, ProgressReporter? progress = null)
    {
        var replay = settings.Replay;
        var definition = BacktestRunner.LoadPipeline(replay.PipelinePath);
        Check(definition, settings);
        string directory = Path.GetFullPath(replay.OutputDirectory);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new BacktestException(ExitCodes.Usage, "--out: cannot create the directory.");
        }

        string model = Path.Combine(directory, ModelFile);
        var learnSettings = replay with { OutputDirectory = directory, SaveModelPath = model, ChartKeys = 0 };
        log.WriteLine(Invariant($"calibrate {definition.Name}: learning, {replay.Passes} pass{(replay.Passes == 1 ? "" : "es")} over the labelled sessions"));
        var learning = new BacktestRunner(learnSettings, progress).Run();
        var sessions = learning.Input.Rows.Select(r => r.Key).Distinct(StringComparer.Ordinal).ToList();
        if (sessions.Count == 0)
        {
            throw new BacktestException(ExitCodes.Usage, "--keys: the calibration sessions hold no rows.");
        }

        log.WriteLine(Invariant($"  model version {learning.FinalWeights.Version} from {sessions.Count} sessions, {learning.Input.Rows.Length} rows"));
        byte[] source = File.ReadAllBytes(replay.PipelinePath);
        var rows = new List<CalibrationRow>(settings.Thresholds.Count);
        var scoring = learnSettings with { Passes = 1, SaveModelPath = null, ModelPath = model };
        foreach (double threshold in settings.Thresholds)
        {
            double clear = settings.ClearThresholdFor(threshold);
            var variant = Variant(source, definition.Name, threshold, clear, replay.PipelinePath);
            var result = new BacktestRunner(scoring) { Definition = variant }.Run();
            var quality = BacktestScoring.Score(result).DetectionQuality!;
            if (quality.Events == 0)
            {
                throw new BacktestException(ExitCodes.Usage,
                    "--event-column: the calibration sessions hold no event (no change to --event-value), so there is nothing to choose a threshold on.");
            }

            var row = Row(threshold, clear, quality);
            rows.Add(row);
            log.WriteLine(Invariant($"  threshold {threshold:0.###}: {row.Alerts} alerts, {row.TrueAlerts} true, {row.DetectedEvents}/{row.Events} events, F1 {row.F1:0.000}"));
        }

        var chosen = Choose(rows);
        string pipeline = Path.Combine(directory, PipelineFile);
        string json = CalibratedPipeline.Rewrite(source, definition.Name, settings.PipelineModelFile ?? model, chosen.Threshold, chosen.ClearThreshold);
        File.WriteAllText(pipeline + ".tmp", json, new UTF8Encoding(false));
        File.Move(pipeline + ".tmp", pipeline, overwrite: true);
        var calibration = new CalibrationResult(settings, learning, rows, chosen, sessions, model, pipeline);
        CalibrationReport.Write(directory, calibration);
        return calibration;
    }

    /// <summary>The best F1, scanning ascending thresholds with ≥ so that a tie goes to the higher one (as protocol.py).</summary>
    public static CalibrationRow Choose(IReadOnlyList<CalibrationRow> rows)
    {
        CalibrationRow? best = null;
        foreach (var row in rows.OrderBy(r => r.Threshold))
        {
            if (best is null || row.F1 >= best.F1)
            {
                best = row;
            }
        }

        return best ?? throw new ArgumentException("no candidate", nameof(rows));
    }

    internal static CalibrationRow Row(double threshold, double clear, AlertQuality q)
    {
        double p = double.IsNaN(q.Precision) ? 0 : q.Precision, r = double.IsNaN(q.Recall) ? 0 : q.Recall;
        double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
        return new CalibrationRow(threshold, clear, q.Alerts, q.TrueAlerts, q.Events, q.DetectedEvents, q.Precision, q.Recall, f1,
            q.FalseAlertsPerHour, q.MonitoredHours);
    }

    private static void Check(PipelineDefinition definition, CalibrationSettings settings)
    {
        if (definition.Alerts is not { } alerts)
        {
            throw new BacktestException(ExitCodes.Usage,
                $"--pipeline: pipeline '{definition.Name}' has no Alerts section; calibrate chooses the threshold of its alert rule.");
        }

        if (alerts.CriticalThreshold is { } critical && settings.Thresholds.Any(t => t > critical))
        {
            throw new BacktestException(ExitCodes.Usage,
                $"--thresholds: each candidate must be at most pipeline '{definition.Name}''s Alerts:CriticalThreshold.");
        }
    }

    /// <summary>The pipeline as written with the candidate's thresholds, parsed and validated as the daemon would.</summary>
    private static PipelineDefinition Variant(byte[] source, string name, double threshold, double clear, string path)
    {
        string json = CalibratedPipeline.Rewrite(source, name, modelFile: null, threshold, clear);
        PipelineDefinition variant;
        try
        {
            variant = PipelineDefinition.Parse(Encoding.UTF8.GetBytes(json), name);
        }
        catch (JsonException exception)
        {
            throw new BacktestException(ExitCodes.InvalidConfiguration, $"invalid pipeline: {exception.Message}");
        }

        var errors = variant.Validate(path);
        if (errors.Count > 0)
        {
            throw new BacktestException(ExitCodes.InvalidConfiguration, $"invalid pipeline with a candidate threshold: {string.Join("; ", errors)}");
        }

        return variant;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
