using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Models;

internal static partial class ModelLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Model record rejected on {Topic} partition {Partition} offset {Offset} (key '{Source}'): {Reason}: {Detail}")]
    public static partial void Rejected(ILogger logger, string topic, int partition, long offset, string source, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published model version {Version} of {Pipeline} to {Topic} ({Source}; {Windows} windows trained since the last merge)")]
    public static partial void Published(ILogger logger, long version, string pipeline, string topic, string source, long windows);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model version {Version} of {Pipeline} is the average of {MergedFrom} (instance:version:windows)")]
    public static partial void PublishedMerge(ILogger logger, long version, string pipeline, string mergedFrom);
}
