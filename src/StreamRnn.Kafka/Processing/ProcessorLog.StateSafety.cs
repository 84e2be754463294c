using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

internal static partial class ProcessorLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "Quarantined changelog record of {Pipeline} at {Topic} [{Partition}] @{Offset}: {Problem}; the key keeps its previous good state or starts from zero")]
    public static partial void ChangelogRecordQuarantined(ILogger logger, string pipeline, string topic, int partition, long offset, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Quarantined the snapshot of {Pipeline} partition {Partition}: {Problem}; the partition is restored from its changelog")]
    public static partial void SnapshotQuarantined(ILogger logger, string pipeline, int partition, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fenced: this instance is no longer in its group's current generation ({Reason}); the unflushed state of partitions {Partitions} is dropped without writing, their new owner replays from the last commit")]
    public static partial void Fenced(ILogger logger, string reason, string partitions);

    [LoggerMessage(Level = LogLevel.Information, Message = "Restoring {Pipeline} partition {Partition} while polling continues: changelog records up to offset {End}")]
    public static partial void RestoreStarted(ILogger logger, string pipeline, int partition, long end);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Restored {Pipeline} partition {Partition}: {Stale} changelog records skipped as older than the state already held (a stale writer's)")]
    public static partial void StaleRecordsSkipped(ILogger logger, string pipeline, int partition, long stale);
}
