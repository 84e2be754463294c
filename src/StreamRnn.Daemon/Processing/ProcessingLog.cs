namespace StreamRnn.Daemon.Processing;

internal static partial class ProcessingLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipeline {Pipeline}: ModelTopic:SigningKey is not set: versions on {Topic} are published unsigned and unsigned versions are accepted, so anyone who can write that topic can change the predictions (see docs/operations.md, Security)")]
    public static partial void ModelTopicUnsigned(ILogger logger, string pipeline, string topic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: {Cell} H={Hidden}×{Layers} {Head} head, {Parameters} parameters, weights version {Version}")]
    public static partial void PipelineReady(ILogger logger, string pipeline, string cell, int hidden, int layers, string head, int parameters, long version);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The consumer loop stopped with an error; the daemon stops with exit code 1 so that it is restarted: {Reason}")]
    public static partial void LoopFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded broker: snapshots from earlier runs are discarded ({Directory}), since the broker's topics start empty")]
    public static partial void EmbeddedStateReset(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stored model skipped: {Path}: {Reason}")]
    public static partial void ModelSkipped(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: loaded model version {Version} from {Directory}")]
    public static partial void ModelLoaded(ILogger logger, string pipeline, long version, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipeline {Pipeline}: model version {Version} could not be saved: {Reason}")]
    public static partial void ModelSaveFailed(ILogger logger, string pipeline, long version, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: model version {Version} promoted ({Source}; held-back loss {Loss:G4} vs champion {ChampionLoss:G4})")]
    public static partial void Promoted(ILogger logger, string pipeline, long version, string source, double loss, double championLoss);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: {Windows} training windows in flight recovered from {Directory} (trained through sequence {TrainedThrough})")]
    public static partial void WindowsRecovered(ILogger logger, string pipeline, int windows, string directory, long trainedThrough);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Window journal: {Path}: {Problem}")]
    public static partial void JournalProblem(ILogger logger, string path, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipeline {Pipeline}: the window journal could not be written ({Failures} failures so far; windows of those checkpoints are not durable): {Reason}")]
    public static partial void JournalFailed(ILogger logger, string pipeline, long failures, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pipeline {Pipeline}: model restored by request: version {Version} carries version {Restored}'s parameters and replaces version {Replaced}")]
    public static partial void ModelRestored(ILogger logger, string pipeline, long version, long restored, long replaced);
}
