using System.Globalization;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.CommandLine;
using StreamRnn.Engine;

namespace StreamRnn.Daemon.Commands;

/// <summary>
/// <c>streamrnn backtest</c>: replays a CSV through the pipeline's own runtime (and alert rules, and online training
/// when enabled), then writes report.json, report.md and charts to the output directory. Progress goes to standard
/// error, the summary to standard output; a problem with a file or a column is one line and exit code 2, an invalid
/// pipeline exit code 3.
/// </summary>
internal static class BacktestCommand
{
    public static int Execute(ParsedCommandLine command, TextWriter output, TextWriter error)
    {
        var settings = new BacktestSettings(
            command.RequiredOption("pipeline"),
            command.RequiredOption("csv"),
            command.RequiredOption("out"),
            command.Option("key-column"),
            command.Option("time-column"),
            TimeFormat(command.Option("time-format")),
            command.Option("model"),
            (int)command.IntegerOption("batch", 256, 1, 65_536),
            command.Option("limit") is null ? null : command.IntegerOption("limit", 0, 1, long.MaxValue),
            (int)command.IntegerOption("chart-keys", 3, 0, 20),
            command.Option("event-column"),
            command.Option("event-value"),
            command.Option("detection-grace") is null ? null : (int)command.IntegerOption("detection-grace", 0, 0, 3600),
            KeysInSequence(command.Option("key-replay")),
            Keys(command.Option("keys")),
            (int)command.IntegerOption("passes", 1, 1, 100),
            command.Option("save-model"),
            command.Option("ar-order") is null ? null : (int)command.IntegerOption("ar-order", 0, 1, BaselineOptions.MaxArOrder),
            command.Option("ar-forgetting") is null ? null : Forgetting(command),
            command.Option("season") is null ? null : (int)command.IntegerOption("season", 0, 1, 1_000_000));
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
                error.WriteLine($"streamrnn: charts skipped: {chartProblem}");
            }

            WriteSummary(output, result, scores, charts.Count);
            return ExitCodes.Success;
        }
        catch (BacktestException exception)
        {
            error.WriteLine($"streamrnn: {exception.Message}");
            return exception.ExitCode;
        }
    }

    private static double Forgetting(ParsedCommandLine command)
    {
        double value = command.NumberOption("ar-forgetting", 0.999);
        return value is > 0 and <= 1 ? value : throw new CommandLineException("--ar-forgetting: must be a number above 0 and at most 1.");
    }

    private static bool KeysInSequence(string? text) => text switch
    {
        null or "together" => false,
        "sequential" => true,
        _ => throw new CommandLineException($"--key-replay = '{text}': must be together (default: keys side by side in event time) or sequential (one key after another)."),
    };

    private static string[]? Keys(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var items = text.Split(',', StringSplitOptions.TrimEntries);
        foreach (var item in items)
        {
            if (item.Length == 0 || item.StartsWith("..", StringComparison.Ordinal) || item.EndsWith("..", StringComparison.Ordinal))
            {
                throw new CommandLineException($"--keys = '{text}': must be keys or FIRST..LAST ranges separated by commas, e.g. d1p01M..d1p30M,d1p45F.");
            }
        }

        return items;
    }

    internal static EventTimeFormat? TimeFormat(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (Enum.TryParse<EventTimeFormat>(text, ignoreCase: true, out var format) && Enum.IsDefined(format) && !char.IsAsciiDigit(text[0]))
        {
            return format;
        }

        throw new CommandLineException($"--time-format = '{text}': must be one of {string.Join(", ", Enum.GetNames<EventTimeFormat>())}.");
    }

    private static void WriteSummary(TextWriter output, BacktestResult result, BacktestScores scores, int charts)
    {
        var model = scores.Overall["model"];
        string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        string passes = result.Training.Passes > 1 ? Invariant($" (pass {result.Training.Passes} of {result.Training.Passes}, scored alone)") : "";
        output.WriteLine(Invariant($"backtest {result.Definition.Name}: {result.Input.Rows.Length} rows, {scores.PerKey.Count} keys, {result.Counters.PredictionsProduced} predictions, {model.Scored} scored{passes}"));
        foreach (var name in scores.Forecasters)
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
