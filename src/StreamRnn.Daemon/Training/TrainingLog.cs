namespace StreamRnn.Daemon.Training;

/// <summary>Log messages of a pipeline's initial model (Model:File, Model:BootstrapCsv).</summary>
internal static partial class TrainingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: starting from Model:File (version {Version})")]
    public static partial void StartingFromFile(ILogger logger, string pipeline, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: no stored model; training on Model:BootstrapCsv ({Rows} rows) before start")]
    public static partial void Bootstrapping(ILogger logger, string pipeline, int rows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: bootstrap epoch {Epoch}: training loss {TrainingLoss:G5}, validation loss {ValidationLoss:G5}")]
    public static partial void Epoch(ILogger logger, string pipeline, int epoch, double trainingLoss, double validationLoss);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: bootstrap done, best epoch {Epoch}, validation loss {ValidationLoss:G5} (seed {SeedLoss:G5}), stopped: {StopReason}")]
    public static partial void Bootstrapped(ILogger logger, string pipeline, int epoch, double validationLoss, double seedLoss, string stopReason);
}
