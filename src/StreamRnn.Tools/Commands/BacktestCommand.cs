using System.CommandLine;
using System.Globalization;
using StreamRnn.Daemon.Backtest;
using StreamRnn.CommandLine;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Tools.Commands;

/// <summary>
/// <c>streamrnn-tools backtest</c>: replays a CSV through the pipeline's own runtime (and alert rules, and online training
/// when enabled), then writes report.json, report.md and charts to the output directory. Progress goes to standard
/// error, the summary to standard output; a problem with a file or a column is one line and exit code 2, an invalid
/// pipeline exit code 3.
/// </summary>
internal sealed class BacktestCommand : VerbCommand
{
    private readonly Option<string> _pipeline;
    private readonly Option<string> _csv;
    private readonly Option<string> _outDirectory;
    private readonly Option<string> _timeColumn;
    private readonly Option<EventTimeFormat?> _timeFormat;
    private readonly Option<string> _keyColumn;
    private readonly Option<string> _model;
    private readonly Option<long?> _batch;
    private readonly Option<long?> _limit;
    private readonly Option<string> _eventColumn;
    private readonly Option<string> _eventValue;
    private readonly Option<string?> _keyReplay;
    private readonly Option<long?> _detectionGrace;
    private readonly Option<long?> _chartKeys;
    private readonly Option<string?> _keys;
    private readonly Option<long?> _passes;
    private readonly Option<string> _saveModel;
    private readonly Option<long?> _arOrder;
    private readonly Option<double?> _arForgetting;
    private readonly Option<long?> _season;

    public BacktestCommand()
        : base("backtest", "Replay a CSV through a pipeline's own code: prequential metrics against naive baselines, alerts, charts.", """
            Rows are replayed in event-time order (ties keep file order) in micro-batches through the same PipelineRuntime
            as the daemon, with the pipeline's alert rules and, when Training:Enabled, online training run in lock-step.
            Each forecast is scored when its target arrives, against baselines on the same forecasts (persistence, mean,
            ar, seasonal_naive with --season; base_rate, persistence and a threshold rule for Binary heads). Progress goes
            to standard error, a summary to standard output. A missing file or column is exit code 2, an invalid pipeline 3.
            """)
    {
        _pipeline = AddText("--pipeline", "FILE", "The pipeline file, e.g. config/pipelines/stocks.json.", required: true);
        _csv = AddText("--csv", "FILE", "The CSV to replay; its first line names the columns, which the pipeline's fields name.", required: true);
        _outDirectory = AddText("--out", "DIR", "Where report.json, report.md and the PNG charts go; created if needed.", required: true);
        _timeColumn = AddText("--time-column", "COLUMN", "The column holding the record timestamp, for pipelines with EventTime:Source = RecordTimestamp.");
        _timeFormat = TimeFormatOption();
        Options.Add(_timeFormat);
        _keyColumn = AddText("--key-column", "COLUMN", "The column holding the record key, for pipelines with Key:Source = RecordKey (default: the file's name).");
        _model = AddText("--model", "FILE", "Start from these weights (model-<version>.srnn from a state directory; default: the pipeline's seed).");
        _batch = AddInteger("--batch", "N", "Rows per micro-batch handed to the runtime (default 256).", 1, 65_536);
        _limit = AddInteger("--limit", "N", "Read only the first N rows of the file (default: all).", 1, long.MaxValue);
        _eventColumn = AddText("--event-column", "COLUMN", "For alert quality: the column whose change to --event-value is the event (e.g. in_bed).");
        _eventValue = AddText("--event-value", "VALUE", "The value of --event-column that marks the event (e.g. 0: out of bed).");
        _keyReplay = CommandLineOptions.Parsed("--key-replay", "MODE",
            "together (default: keys side by side in event time) or sequential (each key's times shifted to follow the previous key, for recordings that all start at 0).",
            text => text.ToLowerInvariant() is "together" or "sequential" ? text.ToLowerInvariant() : null,
            "together (default: keys side by side in event time) or sequential (one key after another)", "together", "sequential");
        Options.Add(_keyReplay);
        _detectionGrace = AddInteger("--detection-grace", "SECONDS", "Also score alerts as detections: an alert up to this long after the event counts (default: anticipation only).", 0, 3600);
        _chartKeys = AddInteger("--chart-keys", "N", "Keys drawn in the per-key charts, the ones with most scored forecasts (default 3, 0 = none).", 0, 20);
        _keys = CommandLineOptions.Parsed("--keys", "LIST",
            "Replay only these keys: keys or FIRST..LAST ranges (in order of first appearance), comma-separated, e.g. d1p01M..d1p30M.",
            text => Keys(text) is null ? null : text, "keys or FIRST..LAST ranges separated by commas, e.g. d1p01M..d1p30M,d1p45F");
        Options.Add(_keys);
        _passes = AddInteger("--passes", "N", "Replay the file N times, each pass from the previous one's final champion; only the last is scored (default 1; needs Training:Enabled).", 1, 100);
        _saveModel = AddText("--save-model", "FILE", "Write the final champion there, in the model store's format (a model-<version>.srnn file, usable with --model).");
        _arOrder = AddInteger("--ar-order", "P", "Order p of the \"ar\" baseline, an online AR(p) fitted by recursive least squares on the data seen so far (default 3).", 1, BaselineOptions.MaxArOrder);
        _arForgetting = AddNumber("--ar-forgetting", "LAMBDA", "Forgetting factor of the \"ar\" baseline, in (0, 1]; 0.999 remembers about 1,000 steps (default 0.999).",
            value => value is > 0 and <= 1, "a number above 0 and at most 1");
        _season = AddInteger("--season", "STEPS", "A season of this many steps (e.g. 24 for hourly data) adds the \"seasonal_naive\" baseline: the value one season earlier.", 1, 1_000_000);
        SetAction(parse => Execute(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
    }

    /// <summary>--time-format, shared with <c>train</c>.</summary>
    internal static Option<EventTimeFormat?> TimeFormatOption() => CommandLineOptions.ParsedValue<EventTimeFormat>("--time-format", "FORMAT",
        "UnixSeconds, UnixMilliseconds or Iso8601 (default: numbers are Unix seconds, text is ISO-8601).",
        text => Enum.TryParse<EventTimeFormat>(text, ignoreCase: true, out var format) && Enum.IsDefined(format) && !char.IsAsciiDigit(text[0]) ? format : null,
        $"one of {string.Join(", ", Enum.GetNames<EventTimeFormat>())}", Enum.GetNames<EventTimeFormat>());

    private int Execute(ParseResult parse, TextWriter output, TextWriter error)
    {
        var settings = new BacktestSettings(
            parse.GetRequiredValue(_pipeline),
            parse.GetRequiredValue(_csv),
            parse.GetRequiredValue(_outDirectory),
            parse.GetValue(_keyColumn),
            parse.GetValue(_timeColumn),
            parse.GetValue(_timeFormat),
            parse.GetValue(_model),
            (int)(parse.GetValue(_batch) ?? 256),
            parse.GetValue(_limit),
            (int)(parse.GetValue(_chartKeys) ?? 3),
            parse.GetValue(_eventColumn),
            parse.GetValue(_eventValue),
            (int?)parse.GetValue(_detectionGrace),
            parse.GetValue(_keyReplay) == "sequential",
            Keys(parse.GetValue(_keys)),
            (int)(parse.GetValue(_passes) ?? 1),
            parse.GetValue(_saveModel),
            (int?)parse.GetValue(_arOrder),
            parse.GetValue(_arForgetting),
            (int?)parse.GetValue(_season));
        try
        {
            var progress = new ProgressReporter(error, ProgressReporter.StandardErrorIsTerminal, TimeProvider.System);
            var result = new BacktestRunner(settings, progress).Run();
            var scores = BacktestScoring.Score(result);
            try
            {
                Directory.CreateDirectory(settings.OutputDirectory);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new BacktestException(ExitCodes.Usage, $"--out = '{settings.OutputDirectory}': cannot create the directory: {exception.Message}");
            }

            var (charts, chartProblem) = BacktestCharts.Write(settings.OutputDirectory, result, scores, settings.ChartKeys);
            BacktestReportJson.Write(Path.Combine(settings.OutputDirectory, "report.json"), result, scores, charts, chartProblem);
            BacktestReportMarkdown.Write(Path.Combine(settings.OutputDirectory, "report.md"), result, scores, charts, chartProblem);
            BacktestTimeline.Write(settings.OutputDirectory, result, scores);
            if (chartProblem is not null)
            {
                error.WriteLine($"{ToolsCommandLine.Program}: charts skipped: {chartProblem}");
            }

            WriteSummary(output, result, scores, charts.Count);
            return ExitCodes.Success;
        }
        catch (BacktestException exception)
        {
            error.WriteLine($"{ToolsCommandLine.Program}: {exception.Message}");
            return exception.ExitCode;
        }
    }

    internal static string[]? Keys(string? text)
    {
        if (text is null)
        {
            return null;
        }

        string[] items = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (string item in items)
        {
            if (item.Length == 0 || item.StartsWith("..", StringComparison.Ordinal) || item.EndsWith("..", StringComparison.Ordinal))
            {
                return null;
            }
        }

        return items;
    }

    private static void WriteSummary(TextWriter output, BacktestResult result, BacktestScores scores, int charts)
    {
        var model = scores.Overall["model"];
        string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        string passes = result.Training.Passes > 1 ? Invariant($" (pass {result.Training.Passes} of {result.Training.Passes}, scored alone)") : "";
        output.WriteLine(Invariant($"backtest {result.Definition.Name}: {result.Input.Rows.Length} rows, {scores.PerKey.Count} keys, {result.Counters.PredictionsProduced} predictions, {model.Scored} scored{passes}"));
        foreach (string name in scores.Forecasters)
        {
            var m = scores.Overall[name];
            output.WriteLine(double.IsNaN(scores.Threshold)
                ? Invariant($"  {name,-14} MAE {m.Mae:G4}  RMSE {m.Rmse:G4}  80% coverage {m.Coverage80:G4}  95% coverage {m.Coverage95:G4}")
                : Invariant($"  {name,-14} log-loss {m.LogLoss:G4}  Brier {m.Brier:G4}  precision {m.Precision:G4}  recall {m.Recall:G4} @ {scores.Threshold:0.###}"));
        }

        if (scores.BestBaseline is { } best)
        {
            bool binary = !double.IsNaN(scores.Threshold);
            double ratio = binary ? model.LogLoss / scores.Overall[best].LogLoss : model.Mae / scores.Overall[best].Mae;
            output.WriteLine(Invariant($"  model {(binary ? "log-loss" : "MAE")} ÷ best baseline ({best}): {ratio:0.0000}"));
        }

        if (scores.AlertQuality is { } quality)
        {
            output.WriteLine(Invariant(
                $"  alerts       {quality.Alerts} raised, precision {quality.Precision:G4}, recall {quality.Recall:G4} ({quality.DetectedEvents}/{quality.Events} events), {quality.FalseAlertsPerHour:G4} false per hour, lead time median {quality.LeadTimeMedianSeconds:G4} s"));
        }

        if (scores.DetectionQuality is { } detection)
        {
            output.WriteLine(Invariant(
                $"  detection    grace {detection.GraceSeconds:0.###} s: precision {detection.Precision:G4}, recall {detection.Recall:G4} ({detection.DetectedEvents}/{detection.Events} events), {detection.FalseAlertsPerHour:G4} false per hour, lead time median {detection.LeadTimeMedianSeconds:G4} s"));
        }

        if (result.Settings.SaveModelPath is { } saved)
        {
            output.WriteLine(Invariant($"model: version {result.FinalWeights.Version} saved to {saved}"));
        }

        output.WriteLine(Invariant($"report: {Path.Combine(result.Settings.OutputDirectory, "report.md")} (and report.json, {charts} charts)"));
    }
}
