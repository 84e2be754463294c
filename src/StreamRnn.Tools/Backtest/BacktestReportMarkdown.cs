using System.Globalization;
using System.Text;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Backtest;

/// <summary>Writes report.md: the numbers of report.json as tables, with the charts inline.</summary>
internal static class BacktestReportMarkdown
{
    public static void Write(string path, BacktestResult result, BacktestScores scores, IReadOnlyList<string> charts, string? chartProblem)
    {
        var definition = result.Definition;
        bool binary = !double.IsNaN(scores.Threshold);
        var counters = result.Counters;
        var text = new StringBuilder();
        text.AppendLine(Invariant($"# Backtest: {definition.Name}"));
        text.AppendLine();
        text.AppendLine(Invariant(
            $"`{result.Settings.CsvPath}` replayed through `{result.Settings.PipelinePath}`: {result.Input.Rows.Length:N0} rows ({counters.RecordsApplied:N0} applied, {counters.DeadLetters:N0} dead-lettered), {scores.PerKey.Count:N0} keys, {counters.PredictionsProduced:N0} predictions, {scores.Overall["model"].Scored:N0} scored. "));
        text.AppendLine(Invariant(
            $"Target `{definition.Target.Field}` ({definition.Target.Transform}), {definition.Target.Horizon} step(s) ahead; {definition.Model.Cell} {definition.Model.HiddenSize}×{definition.Model.Layers}, {definition.Model.Head} head; micro-batches of {result.Settings.BatchRows} rows; replay took {result.Elapsed.TotalSeconds:F2} s."));
        text.AppendLine();
        var training = result.Training;
        text.AppendLine(training.Enabled
            ? Invariant($"Online training (lock-step with the replay{(training.Passes > 1 ? Invariant($"; scored pass {training.Passes} of {training.Passes}, the passes before it trained from version {training.StartVersion} to {training.FirstVersion}") : "")}): {training.Rounds} rounds, {training.Promoted} promoted, {training.Rejected} rejected, {training.Skipped} skipped, {training.Failed} failed; {training.WindowsTrained:N0} of {training.WindowsCompleted:N0} windows trained; model version {training.FirstVersion} → {training.LastVersion}.")
            : Invariant($"Online training off (Training:Enabled = false): every prediction comes from model version {training.FirstVersion}."));
        text.AppendLine();

        text.AppendLine("## Accuracy, model and baselines on the same forecasts");
        text.AppendLine();
        text.AppendLine(binary
            ? Invariant($"Baselines: base_rate (the key's running share of 1s), persistence (its last label), rule (the best single-input threshold rule by F1, refitted on the data seen so far{(scores.Rule is { } rule ? Invariant($"; last fit: `{rule}`") : "")}). \"÷ best baseline\" is each log-loss over the best baseline's{(scores.BestBaseline is { } b ? Invariant($" ({b})") : "")}.")
            : Invariant($"Baselines: persistence, mean (of the key's targets so far), ar (online AR({result.Settings.ArOrderFor(definition)}) by recursive least squares, forgetting {result.Settings.ArForgettingFor(definition):0.#####}, direct {definition.Target.Horizon}-step){(result.Settings.SeasonFor(definition) is int season ? Invariant($", seasonal_naive (the value {season} steps earlier)") : "")}; each is made from the key's past only. \"÷ best baseline\" is each MAE over the best baseline's{(scores.BestBaseline is { } best ? Invariant($" ({best})") : "")}."));
        text.AppendLine();
        Table(text, scores.Forecasters, scores.Overall, binary, scores.Threshold, scores.BestBaseline);
        foreach (var (horizon, horizonScores) in scores.HorizonScores)
        {
            // Target:Horizons: one table per horizon, each against the baselines made for that horizon.
            text.AppendLine(Invariant($"### Horizon {horizon} ({horizon} step(s) ahead)"));
            text.AppendLine();
            text.AppendLine(Invariant($"Persistence is no change over {horizon} step(s), ar the direct {horizon}-step AR; best baseline: {horizonScores.BestBaseline ?? "–"}."));
            text.AppendLine();
            Table(text, horizonScores.Forecasters, horizonScores.Overall, binary, horizonScores.Threshold, horizonScores.BestBaseline);
        }

        if (scores.AlertQuality is { } quality)
        {
            var alerts = definition.Alerts!;
            text.AppendLine("## Alerts as the nurse sees them");
            text.AppendLine();
            text.AppendLine(Invariant(
                $"Rule: raise when {alerts.RaiseReason(alerts.MinReadings)} (clear below {alerts.ClearThreshold:0.###}, cooldown {alerts.Cooldown.TotalSeconds:0.###} s). An alert is true when an event ({alerts.Event}) follows within W = {quality.WindowSeconds:0.###} s; an event is detected when an alert preceded it within W; lead time = event − the first alert within W before it."));
            text.AppendLine();
            text.AppendLine("| alerts | true | events | detected | precision | recall | false alerts per monitored hour | lead time median (p10–p90) |");
            text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---|");
            text.AppendLine(Invariant(
                $"| {quality.Alerts} | {quality.TrueAlerts} | {quality.Events} | {quality.DetectedEvents} | {F(quality.Precision)} | {F(quality.Recall)} | {F(quality.FalseAlertsPerHour)} (over {quality.MonitoredHours:F2} h) | {(double.IsNaN(quality.LeadTimeMedianSeconds) ? "–" : Invariant($"{F(quality.LeadTimeMedianSeconds)} s ({F(quality.LeadTimeP10Seconds)} to {F(quality.LeadTimeP90Seconds)} s)"))} |"));
            text.AppendLine();
            if (scores.DetectionQuality is { } detection)
            {
                text.AppendLine(Invariant(
                    $"Scored as detection (--detection-grace): an alert also counts when it comes up to D = {detection.GraceSeconds:0.###} s after the event (negative lead time = after it)."));
                text.AppendLine();
                text.AppendLine("| grace | alerts | true | events | detected | precision | recall | false alerts per monitored hour | lead time median (p10–p90) |");
                text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
                text.AppendLine(Invariant(
                    $"| {detection.GraceSeconds:0.###} s | {detection.Alerts} | {detection.TrueAlerts} | {detection.Events} | {detection.DetectedEvents} | {F(detection.Precision)} | {F(detection.Recall)} | {F(detection.FalseAlertsPerHour)} | {(double.IsNaN(detection.LeadTimeMedianSeconds) ? "–" : Invariant($"{F(detection.LeadTimeMedianSeconds)} s ({F(detection.LeadTimeP10Seconds)} to {F(detection.LeadTimeP90Seconds)} s)"))} |"));
                text.AppendLine();
            }
        }

        text.AppendLine("## Per key");
        text.AppendLine();
        PerKey(text, scores, binary);

        var engine = result.EngineSummary;
        text.AppendLine("## The engine's own prequential summary (what the daemon's metrics report)");
        text.AppendLine();
        text.AppendLine("| scored | model MAE | model RMSE | baseline MAE | baseline RMSE | 80% coverage | model log-loss | baseline log-loss |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        text.AppendLine(Invariant(
            $"| {engine.Scored:N0} | {F(engine.ModelMae)} | {F(engine.ModelRmse)} | {F(engine.BaselineMae)} | {F(engine.BaselineRmse)} | {F(engine.Coverage80)} | {F(engine.ModelLogLoss)} | {F(engine.BaselineLogLoss)} |"));
        text.AppendLine();

        text.AppendLine("## Charts");
        text.AppendLine();
        if (chartProblem is not null)
        {
            text.AppendLine(Invariant($"Charts were not drawn: {chartProblem}"));
            text.AppendLine();
        }

        foreach (string chart in charts)
        {
            text.AppendLine(Invariant($"![{Path.GetFileNameWithoutExtension(chart)}]({chart})"));
            text.AppendLine();
        }

        File.WriteAllText(path, text.ToString());
    }

    private static void Table(StringBuilder text, IReadOnlyList<string> forecasters, IReadOnlyDictionary<string, ForecastMetrics> metrics, bool binary,
        double threshold, string? best)
    {
        double bestError = best is null ? double.NaN : binary ? metrics[best].LogLoss : metrics[best].Mae;
        if (binary)
        {
            text.AppendLine(Invariant($"| forecaster | scored | log-loss | ÷ best baseline | Brier | precision @ {threshold:0.###} | recall @ {threshold:0.###} |"));
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (string name in forecasters)
            {
                var m = metrics[name];
                text.AppendLine(Invariant($"| {name} | {m.Scored:N0} | {F(m.LogLoss)} | {Ratio(m.LogLoss / bestError)} | {F(m.Brier)} | {F(m.Precision)} | {F(m.Recall)} |"));
            }
        }
        else
        {
            text.AppendLine("| forecaster | scored | MAE | ÷ best baseline | RMSE | 80% interval coverage | 95% interval coverage |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (string name in forecasters)
            {
                var m = metrics[name];
                text.AppendLine(Invariant($"| {name} | {m.Scored:N0} | {F(m.Mae)} | {Ratio(m.Mae / bestError)} | {F(m.Rmse)} | {F(m.Coverage80)} | {F(m.Coverage95)} |"));
            }
        }

        text.AppendLine();
    }

    private static void PerKey(StringBuilder text, BacktestScores scores, bool binary)
    {
        string metric = binary ? "log-loss" : "MAE";
        var header = new StringBuilder("| key | rows | scored |");
        var rule = new StringBuilder("|---|---:|---:|");
        foreach (string name in scores.Forecasters)
        {
            header.Append(Invariant($" {name} {metric} |"));
            rule.Append("---:|");
        }

        header.Append(binary ? " model Brier |" : " model 80% coverage |");
        rule.Append("---:|");
        text.AppendLine(header.ToString());
        text.AppendLine(rule.ToString());
        foreach (var key in scores.PerKey)
        {
            var line = new StringBuilder(Invariant($"| {key.Key} | {key.Steps:N0} | {key.Forecasters["model"].Scored:N0} |"));
            foreach (string name in scores.Forecasters)
            {
                var m = key.Forecasters[name];
                line.Append(Invariant($" {F(binary ? m.LogLoss : m.Mae)} |"));
            }

            var model = key.Forecasters["model"];
            line.Append(Invariant($" {F(binary ? model.Brier : model.Coverage80)} |"));
            text.AppendLine(line.ToString());
        }

        text.AppendLine();
    }

    private static string Ratio(double value) => double.IsFinite(value) ? value.ToString("0.0000", CultureInfo.InvariantCulture) : "–";

    private static string F(double value) => double.IsFinite(value) ? value.ToString("G4", CultureInfo.InvariantCulture) : "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
