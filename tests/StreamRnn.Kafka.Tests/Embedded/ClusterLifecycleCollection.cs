namespace StreamRnn.Kafka.Tests.Embedded;

/// <summary>Tests that must run with no other test class in parallel (xunit runs such collections last, alone).</summary>
[CollectionDefinition(nameof(ClusterLifecycleCollection), DisableParallelization = true)]
public sealed class ClusterLifecycleCollection;
