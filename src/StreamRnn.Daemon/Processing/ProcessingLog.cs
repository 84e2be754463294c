namespace StreamRnn.Daemon.Processing;

internal static partial class ProcessingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline {Pipeline}: {Cell} H={Hidden}×{Layers} {Head} head, {Parameters} parameters, weights version {Version}")]
    public static partial void PipelineReady(ILogger logger, string pipeline, string cell, int hidden, int layers, string head, int parameters, long version);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The consumer loop stopped with an error; the daemon stops with exit code 1 so that it is restarted: {Reason}")]
    public static partial void LoopFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded broker: snapshots from earlier runs are discarded ({Directory}), since the broker's topics start empty")]
    public static partial void EmbeddedStateReset(ILogger logger, string directory);
}
