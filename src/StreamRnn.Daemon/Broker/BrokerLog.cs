using Microsoft.Extensions.Logging;

namespace StreamRnn.Daemon.Broker;

/// <summary>Log events of the broker service.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(2001, LogLevel.Information, "Embedded Kafka broker started at {BootstrapServers} (librdkafka mock cluster: in memory, no compaction, about 5 MiB kept per partition)")]
    public static partial void EmbeddedStarted(ILogger logger, string bootstrapServers);

    [LoggerMessage(2003, LogLevel.Information, "Embedded Kafka broker stopped")]
    public static partial void EmbeddedStopped(ILogger logger);

    [LoggerMessage(2004, LogLevel.Information, "Using the Kafka cluster at {BootstrapServers}; checking the pipelines' topics")]
    public static partial void External(ILogger logger, string bootstrapServers);
}
