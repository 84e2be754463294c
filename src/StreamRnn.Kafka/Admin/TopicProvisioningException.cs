namespace StreamRnn.Kafka.Admin;

/// <summary>The daemon's topics cannot be made to match what it needs, e.g. a changelog exists with another
/// partition count or the cluster refused to create a topic.</summary>
public sealed class TopicProvisioningException : Exception
{
    public TopicProvisioningException(string message, IReadOnlyList<string> topics, Exception? innerException = null)
        : base(message, innerException)
    {
        Topics = topics;
    }

    public TopicProvisioningException()
        : this("Topic provisioning failed.", [])
    {
    }

    public TopicProvisioningException(string message)
        : this(message, [])
    {
    }

    public TopicProvisioningException(string message, Exception innerException)
        : this(message, [], innerException)
    {
    }

    /// <summary>The topics at fault.</summary>
    public IReadOnlyList<string> Topics { get; }
}
