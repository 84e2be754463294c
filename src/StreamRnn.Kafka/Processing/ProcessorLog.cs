using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

internal static partial class ProcessorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer loop started: group {GroupId}, topics {Topics}, delivery {Delivery}")]
    public static partial void Started(ILogger logger, string groupId, string topics, DeliveryMode delivery);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions assigned: {Partitions}")]
    public static partial void Assigned(ILogger logger, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Pipeline} partition {Partition}: {Records} changelog records replayed{Snapshot}, {Keys} keys in {Milliseconds} ms")]
    public static partial void Restored(ILogger logger, string pipeline, int partition, long records, string snapshot, int keys, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Snapshot not used: {Problem}")]
    public static partial void SnapshotNotUsed(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partitions revoked: {Partitions}")]
    public static partial void Revoked(ILogger logger, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partitions lost: {Partitions}; their state is dropped and restored by the new owner")]
    public static partial void Lost(ILogger logger, string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consume error: {Reason}")]
    public static partial void ConsumeError(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client error: {Reason} ({Code})")]
    public static partial void ClientError(ILogger logger, string reason, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Offset commit deferred: {Reason}")]
    public static partial void CommitDeferred(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Consumer loop stopped by a fatal error; uncommitted input will be processed again after restart: {Reason}")]
    public static partial void Fatal(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backpressure: {InFlight} outputs awaiting acknowledgement; fetching paused")]
    public static partial void Paused(ILogger logger, long inFlight);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer loop stopped: final commit done, group left")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown: outputs still unacknowledged after {Seconds} s; offsets not committed past them")]
    public static partial void ShutdownIncomplete(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "librdkafka {Facility} ({Client}): {Text}")]
    private static partial void ClientDebug(ILogger logger, string facility, string client, string text);

    [LoggerMessage(Level = LogLevel.Warning, Message = "librdkafka {Facility} ({Client}): {Text}")]
    private static partial void ClientWarning(ILogger logger, string facility, string client, string text);

    /// <summary>librdkafka's own log lines: warnings and worse as warnings, the rest at debug level.</summary>
    public static void Client(ILogger logger, Confluent.Kafka.LogMessage message)
    {
        if (message.Level <= Confluent.Kafka.SyslogLevel.Warning)
        {
            ClientWarning(logger, message.Facility, message.Name, message.Message);
        }
        else
        {
            ClientDebug(logger, message.Facility, message.Name, message.Message);
        }
    }
}
