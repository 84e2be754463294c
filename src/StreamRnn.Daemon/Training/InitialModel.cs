using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Training;

/// <summary>
/// The weights a pipeline starts from when its state directory holds no version yet: Model:File if set, else a model
/// trained on Model:BootstrapCsv by <see cref="HistoryTrainer"/> (the code of <c>streamrnn train</c>), else null (the
/// seed's weights).
/// </summary>
/// <remarks>
/// A problem is an <see cref="InvalidOperationException"/> whose message names the setting and the problem, never the
/// configured value (the daemon does not start: a pipeline told to start from a model must not silently start from noise).
/// </remarks>
internal static class InitialModel
{
    public static ModelWeights? Resolve(PipelineDefinition definition, ModelShape shape, string contentRoot, ILogger logger)
    {
        var model = definition.Model;
        string prefix = $"Pipelines:{definition.Name}:Model";
        try
        {
            if (!string.IsNullOrWhiteSpace(model.File))
            {
                string path = Path.GetFullPath(model.File, contentRoot);
                var weights = ModelFiles.Load(path, shape, $"{prefix}:File");
                TrainingLog.StartingFromFile(logger, definition.Name, weights.Version);
                return weights;
            }

            if (!string.IsNullOrWhiteSpace(model.BootstrapCsv))
            {
                return Bootstrap(definition, shape, Path.GetFullPath(model.BootstrapCsv, contentRoot), prefix, logger);
            }
        }
        catch (BacktestException exception)
        {
            throw new InvalidOperationException(exception.Message, exception);
        }

        return null;
    }

    private static ModelWeights Bootstrap(PipelineDefinition definition, ModelShape shape, string csv, string prefix, ILogger logger)
    {
        var model = definition.Model;
        if (!File.Exists(csv))
        {
            throw new BacktestException(2, $"{prefix}:BootstrapCsv: the file does not exist.");
        }

        var settings = new BacktestSettings("", csv, "", model.BootstrapKeyColumn, model.BootstrapTimeColumn);
        BacktestInput input;
        try
        {
            input = BacktestInput.Load(settings, definition);
        }
        catch (BacktestException exception)
        {
            // The reader's messages quote the path; the setting's name stands in for it.
            throw new BacktestException(2, $"{prefix}:BootstrapCsv: " + exception.Message.Replace($"--csv = '{csv}'", "the file", StringComparison.Ordinal)
                .Replace("--csv: ", "", StringComparison.Ordinal));
        }

        TrainingLog.Bootstrapping(logger, definition.Name, input.Rows.Length);
        var start = ModelWeights.Initialize(shape, model.Seed);
        var result = HistoryTrainer.Train(definition, input, start, new HistoryTrainingOptions(Seed: model.Seed),
            epoch => TrainingLog.Epoch(logger, definition.Name, epoch.Epoch, epoch.TrainingLoss, epoch.ValidationLoss));
        TrainingLog.Bootstrapped(logger, definition.Name, result.BestEpoch, result.Epochs[result.BestEpoch].ValidationLoss,
            result.Epochs[0].ValidationLoss, result.StopReason);
        return result.Model;
    }
}
