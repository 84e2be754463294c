using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Embedded;

internal static partial class EmbeddedKafkaLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Kafka cluster with {Brokers} broker(s) listening on {BootstrapServers} (librdkafka {Version} from {LibraryPath})")]
    public static partial void Started(ILogger logger, int brokers, string bootstrapServers, string version, string libraryPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded Kafka cluster on {BootstrapServers} stopped")]
    public static partial void Stopped(ILogger logger, string bootstrapServers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created topic {Topic} with {Partitions} partition(s), replication factor {ReplicationFactor}")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions, int replicationFactor);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Topic {Topic} already exists with {Partitions} partition(s)")]
    public static partial void TopicExists(ILogger logger, string topic, int partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mock cluster: {Change}")]
    public static partial void Changed(ILogger logger, string change);

    [LoggerMessage(Message = "librdkafka {Facility}: {Text}")]
    public static partial void Native(ILogger logger, LogLevel level, string facility, string text);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bootstrap servers {BootstrapServers} written to {Path}")]
    public static partial void BootstrapFileWritten(ILogger logger, string bootstrapServers, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bootstrap file {Path} not removed: {Reason}")]
    public static partial void BootstrapFileNotRemoved(ILogger logger, string path, string reason);
}
