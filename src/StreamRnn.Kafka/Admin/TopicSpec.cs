namespace StreamRnn.Kafka.Admin;

/// <summary>A topic the daemon needs: its name, partition count and how it is cleaned up.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="Partitions">Partitions to create it with; for changelogs, the input topic's partition count.</param>
/// <param name="Compacted"><see langword="true"/> for <c>cleanup.policy=compact</c> (changelogs, model versions),
/// <see langword="false"/> for the broker's default (delete).</param>
/// <param name="PartitionCountMustMatch">Whether an existing topic with another partition count is an error. It is
/// for changelogs: changelog partition <c>p</c> holds the state of input partition <c>p</c>, so a different count
/// would restore keys into the wrong partition.</param>
public sealed record TopicSpec(string Name, int Partitions, bool Compacted = false, bool PartitionCountMustMatch = false)
{
    /// <summary>Replication factor for a new topic; -1 (the default) takes the broker's
    /// <c>default.replication.factor</c>.</summary>
    public short ReplicationFactor { get; init; } = -1;

    /// <summary>Further topic configuration for a new topic (e.g. <c>retention.ms</c>); never applied to an
    /// existing topic.</summary>
    public IReadOnlyDictionary<string, string> Configs { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>A compacted changelog with exactly as many partitions as the input topic it mirrors.</summary>
    public static TopicSpec Changelog(string name, int inputPartitions) =>
        new(name, inputPartitions, Compacted: true, PartitionCountMustMatch: true);

    /// <summary>A compacted topic of model versions, keyed by pipeline; every instance reads all of it, so its
    /// partition count does not matter and one partition keeps versions in order.</summary>
    public static TopicSpec Model(string name) => new(name, 1, Compacted: true);

    /// <summary>An ordinary topic (input, predictions, alerts, dead letters) with time- or size-based retention.</summary>
    public static TopicSpec Stream(string name, int partitions) => new(name, partitions);

    /// <summary>The configuration a new topic is created with: <see cref="Configs"/> plus the cleanup policy.</summary>
    public IReadOnlyDictionary<string, string> CreationConfigs()
    {
        var configs = new Dictionary<string, string>(Configs, StringComparer.Ordinal);
        if (Compacted)
        {
            configs["cleanup.policy"] = "compact";
        }

        return configs;
    }
}
