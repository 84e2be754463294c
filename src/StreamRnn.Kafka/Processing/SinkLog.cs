using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

internal static partial class SinkLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter of {Pipeline} (source partition {Partition}, offset {Offset}, reason {Reason}) truncated from {KeyBytes} key and {ValueBytes} value bytes to fit message.max.bytes {Limit}")]
    public static partial void DeadLetterTruncated(ILogger logger, string pipeline, int partition, long offset, string reason, int keyBytes, int valueBytes, int limit);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead letter of {Pipeline} (source partition {Partition}, offset {Offset}, reason {Reason}) not written: {Error} ({Code}); the loop goes on")]
    public static partial void DeadLetterFailed(ILogger logger, string pipeline, int partition, long offset, string reason, string error, string code);

    [LoggerMessage(Level = LogLevel.Error, Message = "Output to {Topic} refused by the producer: {Error} ({Code}); counted as a failed delivery")]
    public static partial void OutputRefused(ILogger logger, string topic, string error, string code);
}
