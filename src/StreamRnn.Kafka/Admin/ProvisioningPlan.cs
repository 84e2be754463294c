namespace StreamRnn.Kafka.Admin;

/// <summary>What provisioning must do, decided from the wanted topics and the cluster's current partition counts
/// alone, before anything is changed.</summary>
/// <param name="ToCreate">Specs of topics that do not exist yet.</param>
/// <param name="Existing">Topics that exist, with their actual partition counts.</param>
/// <param name="Problems">Human-readable reasons provisioning must stop; empty when it may proceed.</param>
/// <param name="ProblemTopics">The topics named in <paramref name="Problems"/>.</param>
internal sealed record ProvisioningPlan(
    IReadOnlyList<TopicSpec> ToCreate,
    IReadOnlyList<TopicStatus> Existing,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> ProblemTopics)
{
    /// <exception cref="ArgumentException">A spec is invalid or names a topic twice.</exception>
    public static ProvisioningPlan Create(IReadOnlyList<TopicSpec> topics, IReadOnlyDictionary<string, int> existingPartitions)
    {
        ArgumentNullException.ThrowIfNull(topics);
        ArgumentNullException.ThrowIfNull(existingPartitions);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var toCreate = new List<TopicSpec>();
        var existing = new List<TopicStatus>();
        var problems = new List<string>();
        var problemTopics = new List<string>();
        foreach (var spec in topics)
        {
            Validate(spec);
            if (!seen.Add(spec.Name))
            {
                throw new ArgumentException($"Topic {spec.Name} is listed twice.", nameof(topics));
            }

            if (!existingPartitions.TryGetValue(spec.Name, out int actual))
            {
                toCreate.Add(spec);
                continue;
            }

            if (actual != spec.Partitions && spec.PartitionCountMustMatch)
            {
                problems.Add($"Topic {spec.Name} exists with {actual} partition(s) but {spec.Partitions} are required "
                    + "(a changelog needs exactly one partition per input partition); delete it or recreate it with "
                    + $"{spec.Partitions} partition(s).");
                problemTopics.Add(spec.Name);
                continue;
            }

            existing.Add(new TopicStatus(spec.Name, actual, Created: false));
        }

        return new ProvisioningPlan(toCreate, existing, problems, problemTopics);
    }

    /// <summary>Statuses in the order of <paramref name="topics"/>.</summary>
    public static IReadOnlyList<TopicStatus> InOrder(IReadOnlyList<TopicSpec> topics, IEnumerable<TopicStatus> statuses)
    {
        var byName = statuses.ToDictionary(s => s.Name, StringComparer.Ordinal);
        return [.. topics.Select(t => byName[t.Name])];
    }

    private static void Validate(TopicSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.Length > 249 || spec.Name is "." or ".."
            || !spec.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException($"'{spec.Name}' is not a legal Kafka topic name (1-249 of [a-zA-Z0-9._-], not '.' or '..').", nameof(spec));
        }

        if (spec.Partitions < 1)
        {
            throw new ArgumentException($"Topic {spec.Name}: partitions must be at least 1, not {spec.Partitions}.", nameof(spec));
        }

        if (spec.ReplicationFactor is 0 or < -1)
        {
            throw new ArgumentException($"Topic {spec.Name}: replication factor must be -1 (broker default) or at least 1, not {spec.ReplicationFactor}.", nameof(spec));
        }
    }
}
