using System.CommandLine;
using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.CommandLine;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Tools.Commands;

/// <summary>
/// <c>streamrnn-tools train</c>: trains a pipeline's model on a CSV history (<see cref="HistoryTrainer"/>) and writes it as a
/// model file for <c>run</c> (Model:File) or <c>backtest --model</c>. A line per epoch goes to standard error, the
/// summary to standard output; a problem with a file, a column or the windows is one line and exit code 2, an invalid
/// pipeline exit code 3.
/// </summary>
internal sealed class TrainCommand : VerbCommand
{
    private readonly Option<string> _pipeline;
    private readonly Option<string> _csv;
    private readonly Option<string> _outFile;
    private readonly Option<string> _report;
    private readonly Option<long?> _epochs;
    private readonly Option<long?> _patience;
    private readonly Option<long?> _seed;
    private readonly Option<double?> _learningRate;
    private readonly Option<string> _model;
    private readonly Option<string> _timeColumn;
    private readonly Option<EventTimeFormat?> _timeFormat;
    private readonly Option<string> _keyColumn;
    private readonly Option<long?> _limit;

    public TrainCommand()
        : base("train", "Train a pipeline's model on a CSV history before going live: epochs of TBPTT, validation by time, early stopping.", """
            Rows are replayed in event-time order through the same PipelineRuntime as the daemon, which assembles the
            training windows; the last 20 % of rows by time validate. Each epoch trains on the other windows, shuffled
            across keys and time, in mini-batches of Training:BatchWindows with a cosine learning rate, then replays the
            history with the new weights and scores both sets. The best epoch by validation loss is written. A line per
            epoch goes to standard error. A missing file or column, or no windows, is exit code 2; an invalid pipeline 3.
            """)
    {
        _pipeline = AddText("--pipeline", "FILE", "The pipeline file, e.g. config/pipelines/machine-temperature.json.", required: true);
        _csv = AddText("--csv", "FILE", "The history; its first line names the columns, which the pipeline's fields name.", required: true);
        _outFile = AddText("--out", "FILE", "Where the trained model goes (model store format; use it with Model:File or backtest --model).", required: true);
        _report = AddText("--report", "DIR", "Also write report.json and report.md there: losses per epoch beside simple forecasters.");
        _epochs = AddInteger("--epochs", "N", "The most epochs (default 20).", 1, 10_000);
        _patience = AddInteger("--patience", "N", "Stop after N epochs without a better validation loss (default 3).", 1, 10_000);
        _seed = AddInteger("--seed", "N", "Seed of the window shuffle (default 1).", int.MinValue, int.MaxValue);
        _learningRate = AddNumber("--learning-rate", "RATE", "Peak of the cosine learning-rate schedule (default: the pipeline's Training:LearningRate).",
            value => value > 0, "a number > 0");
        _model = AddText("--model", "FILE", "Start from these weights (default: the pipeline's seed).");
        _timeColumn = AddText("--time-column", "COLUMN", "The column holding the record timestamp, for pipelines with EventTime:Source = RecordTimestamp.");
        _timeFormat = BacktestCommand.TimeFormatOption();
        Options.Add(_timeFormat);
        _keyColumn = AddText("--key-column", "COLUMN", "The column holding the record key, for pipelines with Key:Source = RecordKey (default: the file's name).");
        _limit = AddInteger("--limit", "N", "Read only the first N rows of the file (default: all).", 1, long.MaxValue);
        SetAction(parse => Execute(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
    }

    private int Execute(ParseResult parse, TextWriter output, TextWriter error)
    {
        string pipelinePath = parse.GetRequiredValue(_pipeline);
        string csvPath = parse.GetRequiredValue(_csv);
        string modelPath = parse.GetRequiredValue(_outFile);
        string? reportDirectory = parse.GetValue(_report);
        var settings = new BacktestSettings(pipelinePath, csvPath, "", parse.GetValue(_keyColumn), parse.GetValue(_timeColumn),
            parse.GetValue(_timeFormat), Limit: parse.GetValue(_limit));
        var options = new HistoryTrainingOptions(
            Epochs: (int)(parse.GetValue(_epochs) ?? 20),
            Patience: (int)(parse.GetValue(_patience) ?? 3),
            Seed: (int)(parse.GetValue(_seed) ?? 1),
            LearningRate: parse.GetValue(_learningRate));
        try
        {
            var definition = BacktestRunner.LoadPipeline(pipelinePath);
            var input = BacktestInput.Load(settings, definition);
            var shape = definition.CreateShape();
            string? startPath = parse.GetValue(_model);
            var start = startPath is null ? ModelWeights.Initialize(shape, definition.Model.Seed) : ModelFiles.Load(startPath, shape, "--model");
            var result = HistoryTrainer.Train(definition, input, start, options, epoch => WriteEpoch(error, epoch, options.Epochs));
            ModelFiles.Save(modelPath, result.Model, "--out");
            if (reportDirectory is not null)
            {
                try
                {
                    Directory.CreateDirectory(reportDirectory);
                    HistoryTrainingReport.WriteJson(Path.Combine(reportDirectory, "report.json"), definition.Name, csvPath, modelPath, result);
                    HistoryTrainingReport.WriteMarkdown(Path.Combine(reportDirectory, "report.md"), definition.Name, csvPath, modelPath, result);
                }
                catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
                {
                    throw new BacktestException(2, $"--report: cannot be written: {exception.Message}");
                }
            }

            WriteSummary(output, definition.Name, modelPath, reportDirectory, result);
            return ExitCodes.Success;
        }
        catch (BacktestException exception)
        {
            error.WriteLine($"{ToolsCommandLine.Program}: {exception.Message}");
            return exception.ExitCode;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void WriteEpoch(TextWriter error, EpochResult epoch, int epochs)
    {
        string best = epoch.Best ? " (best)" : "";
        error.WriteLine(epoch.Epoch == 0
            ? Invariant($"epoch 0/{epochs} (start): training loss {epoch.TrainingLoss:G5}, validation loss {epoch.ValidationLoss:G5}")
            : Invariant($"epoch {epoch.Epoch}/{epochs}: training loss {epoch.TrainingLoss:G5}, validation loss {epoch.ValidationLoss:G5}{best}, learning rate {epoch.LearningRate:G3}, {epoch.Steps} steps, {epoch.Elapsed.TotalSeconds:F1} s"));
        error.Flush();
    }

    private static void WriteSummary(TextWriter output, string pipeline, string modelPath, string? reportDirectory, HistoryTrainingResult result)
    {
        output.WriteLine(Invariant(
            $"train {pipeline}: {result.Rows} rows, {result.TrainingWindows} training and {result.ValidationWindows} validation windows, best epoch {result.BestEpoch} of {result.Epochs.Count - 1} (stopped: {result.StopReason})"));
        output.WriteLine(Invariant($"  validation loss: model {result.Epochs[result.BestEpoch].ValidationLoss:G5}, start {result.Epochs[0].ValidationLoss:G5}"));
        foreach (var baseline in result.Baselines)
        {
            output.WriteLine(Invariant($"  validation loss: {baseline.Name} {baseline.ValidationLoss:G5}"));
        }

        output.WriteLine(Invariant($"model: version {result.Model.Version} written to {modelPath}"));
        if (reportDirectory is not null)
        {
            output.WriteLine(Invariant($"report: {Path.Combine(reportDirectory, "report.md")} (and report.json)"));
        }
    }
}
