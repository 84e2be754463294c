using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using StreamRnn.Daemon.Backtest;

namespace StreamRnn.Tools.Calibration;

/// <summary>calibration.json and calibration.md: the per-threshold table, the chosen row, the model and the sessions.</summary>
internal static class CalibrationReport
{
    public const string JsonFile = "calibration.json";
    public const string MarkdownFile = "calibration.md";

    public const string Rule = "best F1 of detection on the calibration sessions; ties go to the higher threshold";

    public static void Write(string directory, CalibrationResult result)
    {
        WriteJson(Path.Combine(directory, JsonFile), result);
        File.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(result), new UTF8Encoding(false));
    }

    private static void WriteJson(string path, CalibrationResult result)
    {
        var replay = result.Settings.Replay;
        var training = result.Learning.Training;
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("pipeline", result.Learning.Definition.Name);
        w.WriteString("command_line", result.Settings.CommandLine);
        w.WriteStartArray("keys");
        foreach (string item in replay.Keys ?? [])
        {
            w.WriteStringValue(item);
        }

        w.WriteEndArray();
        w.WriteStartArray("sessions");
        foreach (string key in result.Sessions)
        {
            w.WriteStringValue(key);
        }

        w.WriteEndArray();
        w.WriteNumber("rows", result.Learning.Input.Rows.Length);
        w.WriteString("key_replay", replay.KeysInSequence ? "sequential" : "together");
        w.WriteNumber("passes", replay.Passes);
        w.WriteNumber("detection_grace_seconds", replay.DetectionGraceSeconds ?? 0);
        w.WriteNumber("clear_ratio", result.Settings.ClearRatio);
        w.WriteString("rule", Rule);
        w.WriteStartObject("model");
        w.WriteString("file", result.ModelPath);
        w.WriteNumber("version", result.Learning.FinalWeights.Version);
        w.WriteNumber("start_version", training.StartVersion);
        w.WriteNumber("rounds_last_pass", training.Rounds);
        w.WriteNumber("promoted_last_pass", training.Promoted);
        w.WriteEndObject();
        w.WriteString("pipeline_file", result.PipelinePath);
        w.WriteStartArray("thresholds");
        foreach (var row in result.Rows)
        {
            WriteRow(w, row);
        }

        w.WriteEndArray();
        w.WritePropertyName("chosen");
        WriteRow(w, result.Chosen);
        w.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter w, CalibrationRow row)
    {
        w.WriteStartObject();
        w.WriteNumber("threshold", row.Threshold);
        w.WriteNumber("clear_threshold", row.ClearThreshold);
        w.WriteNumber("alerts", row.Alerts);
        w.WriteNumber("true_alerts", row.TrueAlerts);
        w.WriteNumber("events", row.Events);
        w.WriteNumber("detected_events", row.DetectedEvents);
        BacktestReportJson.Number(w, "precision", row.Precision);
        BacktestReportJson.Number(w, "recall", row.Recall);
        BacktestReportJson.Number(w, "f1", row.F1);
        BacktestReportJson.Number(w, "false_alerts_per_hour", row.FalseAlertsPerHour);
        BacktestReportJson.Number(w, "monitored_hours", row.MonitoredHours);
        w.WriteEndObject();
    }

    private static string Markdown(CalibrationResult result)
    {
        var replay = result.Settings.Replay;
        var s = new StringBuilder();
        void Line(FormattableString text) => s.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');
        static string Show(double value) => double.IsFinite(value) ? value.ToString("0.000", CultureInfo.InvariantCulture) : "–";
        Line($"# Calibration of {result.Learning.Definition.Name}");
        Line($"");
        Line($"`{result.Settings.CommandLine}`");
        Line($"");
        Line($"- Sessions: {result.Sessions.Count} ({string.Join(", ", result.Sessions)}), {result.Learning.Input.Rows.Length} rows, replayed {(replay.KeysInSequence ? "one after another" : "side by side")}.");
        Line($"- Learning: {replay.Passes} pass{(replay.Passes == 1 ? "" : "es")} from version {result.Learning.Training.StartVersion}; model version {result.Learning.FinalWeights.Version} written to `{result.ModelPath}`.");
        Line($"- Threshold: each candidate replayed over the same sessions from that model (ClearThreshold = {result.Settings.ClearRatio:0.###} × threshold), detection scored with a grace of {replay.DetectionGraceSeconds ?? 0} s; chosen: {Rule}.");
        Line($"- Pipeline: `{result.PipelinePath}` (Model:File and Alerts:Threshold/ClearThreshold set, the rest as given).");
        Line($"");
        Line($"| threshold | clear | alerts | true | detected / events | precision | recall | F1 | false / bed-hour | |");
        Line($"|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in result.Rows)
        {
            string mark = ReferenceEquals(row, result.Chosen) ? "**chosen**" : "";
            Line($"| {row.Threshold:0.###} | {row.ClearThreshold:0.####} | {row.Alerts} | {row.TrueAlerts} | {row.DetectedEvents} / {row.Events} | {Show(row.Precision)} | {Show(row.Recall)} | {Show(row.F1)} | {Show(row.FalseAlertsPerHour)} | {mark} |");
        }

        return s.ToString();
    }
}
