using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Kafka.Tests.Support;

/// <summary>One embedded cluster per test class (start ~0.3 s); tests in the class use distinct topic names.</summary>
public sealed class ClusterFixture : IDisposable
{
    private int _topics;

    public EmbeddedKafkaCluster Cluster { get; } = EmbeddedKafkaCluster.Start();

    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>A topic name no other test of the class uses.</summary>
    public string NewTopic(string prefix) => $"{prefix}-{Interlocked.Increment(ref _topics)}";

    public void Dispose() => Cluster.Dispose();
}
