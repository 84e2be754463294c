namespace StreamRnn.Kafka.Admin;

/// <summary>Makes sure the daemon's topics exist before its clients start; the daemon picks
/// <see cref="TopicAdministrator"/> for a real cluster and <see cref="EmbeddedTopicProvisioner"/> for the embedded
/// broker.</summary>
public interface ITopicProvisioner
{
    /// <summary>Creates the missing topics and checks the existing ones.</summary>
    /// <returns>One status per spec, in the order given.</returns>
    /// <exception cref="TopicProvisioningException">A topic with <see cref="TopicSpec.PartitionCountMustMatch"/> exists
    /// with another partition count (nothing is created then), or a topic could not be created.</exception>
    Task<IReadOnlyList<TopicStatus>> EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken = default);

    /// <summary>Reads a topic's partition count from the cluster's metadata, e.g. to size changelogs like their input.</summary>
    /// <returns>The partition count, or <see langword="null"/> if the topic does not exist.</returns>
    Task<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default);
}
