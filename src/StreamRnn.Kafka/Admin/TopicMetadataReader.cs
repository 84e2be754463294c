using Confluent.Kafka;

namespace StreamRnn.Kafka.Admin;

/// <summary>Reads topics' partition counts from cluster metadata.</summary>
/// <remarks>
/// Always requests the metadata of all topics: a request naming one topic may auto-create it on brokers with
/// <c>auto.create.topics.enable</c> (and on the embedded broker), which would turn a question into a side effect
/// with the broker's default partition count.
/// </remarks>
public static class TopicMetadataReader
{
    /// <summary>The partition count of every topic the client may see, by name.</summary>
    /// <exception cref="KafkaException">The cluster did not answer within <paramref name="timeout"/>, or reported an
    /// error other than "unknown topic" for a topic.</exception>
    public static IReadOnlyDictionary<string, int> ReadPartitionCounts(IAdminClient adminClient, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(adminClient);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in adminClient.GetMetadata(timeout).Topics)
        {
            if (topic.Error.Code == ErrorCode.UnknownTopicOrPart)
            {
                continue;
            }

            // A topic being created or moving leaders can carry an error while its partitions are listed already.
            if (topic.Error.IsError && topic.Partitions.Count == 0)
            {
                throw new KafkaException(new Error(topic.Error.Code, $"Metadata of topic {topic.Topic}: {topic.Error.Reason}"));
            }

            counts[topic.Topic] = topic.Partitions.Count;
        }

        return counts;
    }

    /// <summary>The partition count of <paramref name="topic"/>, or <see langword="null"/> if it does not exist.</summary>
    public static int? ReadPartitionCount(IAdminClient adminClient, string topic, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return ReadPartitionCounts(adminClient, timeout).TryGetValue(topic, out int count) ? count : null;
    }
}
