using System.CommandLine;
using System.Globalization;
using StreamRnn.CommandLine;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tools.Calibration;

namespace StreamRnn.Tools.Commands;

/// <summary>
/// <c>streamrnn-tools calibrate</c>: per-room calibration of an event alert pipeline (Binary or Categorical head, e.g. bed exit) on labelled
/// sessions — learn (as <c>backtest --passes N --save-model</c>), choose the alert threshold with the best F1 of
/// detection on the same sessions, and write model.srnn, pipeline.json, calibration.json and calibration.md.
/// </summary>
internal sealed class CalibrateCommand : VerbCommand
{
    private readonly Option<string> _pipeline;
    private readonly Option<string> _csv;
    private readonly Option<string> _outDirectory;
    private readonly Option<string> _timeColumn;
    private readonly Option<EventTimeFormat?> _timeFormat;
    private readonly Option<string> _keyColumn;
    private readonly Option<string> _model;
    private readonly Option<long?> _batch;
    private readonly Option<string> _eventColumn;
    private readonly Option<string> _eventValue;
    private readonly Option<string?> _keyReplay;
    private readonly Option<long?> _detectionGrace;
    private readonly Option<string?> _keys;
    private readonly Option<long?> _passes;
    private readonly Option<double[]?> _thresholds;
    private readonly Option<double?> _clearRatio;
    private readonly Option<string> _pipelineModelFile;

    public CalibrateCommand()
        : base("calibrate", "Calibrate an event alert pipeline (Binary or Categorical head, e.g. bed exit) for a room on labelled sessions: learn, choose the threshold, write a pipeline.", """
            Step 1 learns on the labelled sessions (the rows of --keys) exactly as backtest --passes N --save-model does.
            Step 2 replays the same sessions from the learned model once per candidate threshold (ClearThreshold =
            --clear-ratio × threshold, the pipeline's other settings as written, online training as the pipeline has it)
            and keeps the best F1 of detection (report.json alerts.detection_quality), ties to the higher threshold.
            Written to --out: model.srnn, pipeline.json (the input pipeline with Model:File = the model's absolute path and
            the chosen Alerts:Threshold/ClearThreshold), calibration.json and calibration.md. Defaults differ from
            backtest's where bench/bedexit/protocol.py sets them: --key-replay sequential, --passes 5, --detection-grace 5.
            A missing file or column, or an unusable pipeline, is exit code 2; an invalid pipeline 3.
            """)
    {
        _pipeline = AddText("--pipeline", "FILE", "The pipeline to calibrate (needs Alerts and Model:Head = Binary or Categorical), e.g. config/pipelines/bed-exit.json.", required: true);
        _csv = AddText("--csv", "FILE", "The labelled sessions; its first line names the columns, which the pipeline's fields name.", required: true);
        _outDirectory = AddText("--out", "DIR", "Where model.srnn, pipeline.json, calibration.json and calibration.md go; created if needed.", required: true);
        _timeColumn = AddText("--time-column", "COLUMN", "The column holding the record timestamp, for pipelines with EventTime:Source = RecordTimestamp.");
        _timeFormat = BacktestCommand.TimeFormatOption();
        Options.Add(_timeFormat);
        _keyColumn = AddText("--key-column", "COLUMN", "The column holding the record key, for pipelines with Key:Source = RecordKey (default: the file's name).");
        _model = AddText("--model", "FILE", "Start learning from these weights (default: the pipeline's seed).");
        _batch = AddInteger("--batch", "N", "Rows per micro-batch handed to the runtime (default 256).", 1, 65_536);
        _eventColumn = AddText("--event-column", "COLUMN", "The column whose change to --event-value is the event (e.g. in_bed).", required: true);
        _eventValue = AddText("--event-value", "VALUE", "The value of --event-column that marks the event (e.g. 0: out of bed).", required: true);
        _keyReplay = CommandLineOptions.Parsed("--key-replay", "MODE",
            "sequential (default here: each session's times shifted to follow the previous one's, for recordings that all start at 0) or together (side by side in event time).",
            text => text.ToLowerInvariant() is "together" or "sequential" ? text.ToLowerInvariant() : null,
            "sequential (default) or together", "sequential", "together");
        Options.Add(_keyReplay);
        _detectionGrace = AddInteger("--detection-grace", "SECONDS", "An alert up to this long after the event still detects it (default 5).", 0, 3600);
        _keys = CommandLineOptions.Parsed("--keys", "LIST",
            "The labelled sessions: keys or FIRST..LAST ranges (in order of first appearance), comma-separated, e.g. d1p01M..d1p30F (default: every key).",
            text => BacktestCommand.Keys(text) is null ? null : text, "keys or FIRST..LAST ranges separated by commas, e.g. d1p01M..d1p30F");
        Options.Add(_keys);
        _passes = AddInteger("--passes", "N", "Learning passes over the sessions, each from the previous one's final champion (default 5; needs Training:Enabled above 1).", 1, 100);
        _thresholds = CommandLineOptions.Parsed("--thresholds", "LIST",
            "Candidate alert thresholds, comma-separated, each in (0, 1) (default 0.3,0.4,0.5,0.6,0.7,0.8,0.9).",
            Thresholds, "probabilities above 0 and below 1 separated by commas, at least one");
        Options.Add(_thresholds);
        _clearRatio = AddNumber("--clear-ratio", "RATIO", "ClearThreshold = RATIO × threshold (default 0.5).", value => value is > 0 and < 1, "a number above 0 and below 1");
        _pipelineModelFile = AddText("--model-file", "PATH",
            "The Model:File written into pipeline.json: where the daemon will find the model (a relative path resolves against the daemon's content root; copy model.srnn there). Default: the model's absolute path.");
        SetAction(parse => Execute(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
    }

    /// <summary>The candidates ascending and distinct, or null when one is not a probability in (0, 1).</summary>
    internal static double[]? Thresholds(string text)
    {
        var values = new SortedSet<double>();
        foreach (string item in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value is > 0 and < 1))
            {
                return null;
            }

            values.Add(value);
        }

        return values.Count == 0 ? null : [.. values];
    }

    private int Execute(ParseResult parse, TextWriter output, TextWriter error)
    {
        var replay = new BacktestSettings(
            parse.GetRequiredValue(_pipeline),
            parse.GetRequiredValue(_csv),
            parse.GetRequiredValue(_outDirectory),
            parse.GetValue(_keyColumn),
            parse.GetValue(_timeColumn),
            parse.GetValue(_timeFormat),
            parse.GetValue(_model),
            (int)(parse.GetValue(_batch) ?? 256),
            ChartKeys: 0,
            EventColumn: parse.GetRequiredValue(_eventColumn),
            EventValue: parse.GetRequiredValue(_eventValue),
            DetectionGraceSeconds: (int)(parse.GetValue(_detectionGrace) ?? CalibrationSettings.DefaultDetectionGraceSeconds),
            KeysInSequence: (parse.GetValue(_keyReplay) ?? "sequential") == "sequential",
            Keys: BacktestCommand.Keys(parse.GetValue(_keys)),
            Passes: (int)(parse.GetValue(_passes) ?? CalibrationSettings.DefaultPasses));
        var settings = new CalibrationSettings(replay,
            parse.GetValue(_thresholds) is { Length: > 0 } thresholds ? thresholds : [.. CalibrationSettings.DefaultThresholds],
            parse.GetValue(_clearRatio) ?? CalibrationSettings.DefaultClearRatio,
            CommandLineText(parse),
            parse.GetValue(_pipelineModelFile) is { } modelFile && !string.IsNullOrWhiteSpace(modelFile) ? modelFile : null);
        try
        {
            var progress = new ProgressReporter(error, ProgressReporter.StandardErrorIsTerminal, TimeProvider.System);
            var result = Calibrator.Run(settings, error, progress);
            var chosen = result.Chosen;
            string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
            output.WriteLine(Invariant(
                $"calibrate {result.Learning.Definition.Name}: {result.Sessions.Count} sessions, model version {result.Learning.FinalWeights.Version}, threshold {chosen.Threshold:0.###} (clear {chosen.ClearThreshold:0.####}): F1 {chosen.F1:0.000}, precision {chosen.Precision:0.000}, recall {chosen.Recall:0.000} ({chosen.DetectedEvents}/{chosen.Events} events), {chosen.FalseAlertsPerHour:0.00} false per bed-hour"));
            output.WriteLine($"pipeline: {result.PipelinePath} (model {result.ModelPath}; report {Path.Combine(Path.GetDirectoryName(result.PipelinePath)!, CalibrationReport.MarkdownFile)})");
            return ExitCodes.Success;
        }
        catch (BacktestException exception)
        {
            error.WriteLine($"{ToolsCommandLine.Program}: {exception.Message}");
            return exception.ExitCode;
        }
    }

    private static string CommandLineText(ParseResult parse)
    {
        static string Quote(string token) => token.Length > 0 && token.All(c => char.IsAsciiLetterOrDigit(c) || "-_.,/:=+@%".Contains(c))
            ? token : "'" + token.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
        return string.Join(" ", new[] { ToolsCommandLine.Program }.Concat(parse.Tokens.Select(t => Quote(t.Value))));
    }
}
