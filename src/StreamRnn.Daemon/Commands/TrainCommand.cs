using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.CommandLine;
using StreamRnn.Daemon.Training;

namespace StreamRnn.Daemon.Commands;

/// <summary>
/// <c>streamrnn train</c>: trains a pipeline's model on a CSV history (<see cref="HistoryTrainer"/>) and writes it as a
/// model file for <c>run</c> (Model:File) or <c>backtest --model</c>. A line per epoch goes to standard error, the
/// summary to standard output; a problem with a file, a column or the windows is one line and exit code 2, an invalid
/// pipeline exit code 3.
/// </summary>
internal static class TrainCommand
{
    public static int Execute(ParsedCommandLine command, TextWriter output, TextWriter error)
    {
        string pipelinePath = command.RequiredOption("pipeline");
        string csvPath = command.RequiredOption("csv");
        string modelPath = command.RequiredOption("out");
        string? reportDirectory = command.Option("report");
        var settings = new BacktestSettings(pipelinePath, csvPath, "", command.Option("key-column"), command.Option("time-column"),
            BacktestCommand.TimeFormat(command.Option("time-format")),
            Limit: command.Option("limit") is null ? null : command.IntegerOption("limit", 0, 1, long.MaxValue));
        var options = new HistoryTrainingOptions(
            Epochs: (int)command.IntegerOption("epochs", 20, 1, 10_000),
            Patience: (int)command.IntegerOption("patience", 3, 1, 10_000),
            Seed: (int)command.IntegerOption("seed", 1, int.MinValue, int.MaxValue),
            LearningRate: command.Option("learning-rate") is null ? null : PositiveNumber(command, "learning-rate"));
        try
        {
            var definition = BacktestRunner.LoadPipeline(pipelinePath);
            var input = BacktestInput.Load(settings, definition);
            var shape = definition.CreateShape();
            string? startPath = command.Option("model");
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
            error.WriteLine($"streamrnn: {exception.Message}");
            return exception.ExitCode;
        }
    }

    private static double PositiveNumber(ParsedCommandLine command, string name)
    {
        double value = command.NumberOption(name, 0);
        if (value <= 0)
        {
            throw new CommandLineException($"--{name}: must be a number > 0.");
        }

        return value;
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
