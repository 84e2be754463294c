namespace StreamRnn.Kafka.Admin;

/// <summary>The state of one topic after provisioning.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="Partitions">Its actual partition count (for an existing topic, possibly not the one asked for).</param>
/// <param name="Created"><see langword="true"/> if this call created it.</param>
public sealed record TopicStatus(string Name, int Partitions, bool Created);
