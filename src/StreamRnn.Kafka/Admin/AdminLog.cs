using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Admin;

internal static partial class AdminLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} exists with {Partitions} partition(s)")]
    public static partial void Exists(ILogger logger, string topic, int partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Topic {Topic} exists with {Actual} partition(s), not the {Wanted} asked for; using it as it is")]
    public static partial void PartitionCountDiffers(ILogger logger, string topic, int actual, int wanted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partition(s){Compaction}")]
    public static partial void Created(ILogger logger, string topic, int partitions, string compaction);

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} was created concurrently by another client")]
    public static partial void CreatedConcurrently(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created topics {Topics} are not in the metadata yet after {Seconds} s")]
    public static partial void NotYetVisible(ILogger logger, string topics, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Topic {Topic} is to be compacted, but the embedded broker never compacts: its restore reads every record")]
    public static partial void NoCompaction(ILogger logger, string topic);
}
