namespace StreamRnn.RestoreBench;

/// <summary>What the broker run measured: the same changelog restored in memory, read raw, and through ChangelogRestorer.</summary>
internal sealed record KafkaRestoreResult(
    bool Training,
    int Keys,
    int Partitions,
    long TopicBytes,
    double ProduceSeconds,
    double InMemorySeconds,
    double RawConsumeSeconds,
    double RestorerSeconds);
