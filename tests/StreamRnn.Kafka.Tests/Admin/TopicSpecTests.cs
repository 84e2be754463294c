using StreamRnn.Kafka.Admin;

namespace StreamRnn.Kafka.Tests.Admin;

[Trait("Category", "Unit")]

public sealed class TopicSpecTests
{
    [Fact]
    public void Changelog_IsCompactedAndMustMatchItsInput()
    {
        var spec = TopicSpec.Changelog("state", 12);
        Assert.Equal(new TopicSpec("state", 12, Compacted: true, PartitionCountMustMatch: true), spec);
        Assert.Equal(new Dictionary<string, string> { ["cleanup.policy"] = "compact" }, spec.CreationConfigs());
        Assert.Equal(-1, spec.ReplicationFactor);
    }

    [Fact]
    public void Model_IsOneCompactedPartition()
    {
        var spec = TopicSpec.Model("models");
        Assert.Equal(1, spec.Partitions);
        Assert.True(spec.Compacted);
        Assert.False(spec.PartitionCountMustMatch);
    }

    [Fact]
    public void Stream_KeepsTheBrokersCleanupPolicyAndCallerConfigs()
    {
        var spec = TopicSpec.Stream("predictions", 3) with { Configs = new Dictionary<string, string> { ["retention.ms"] = "3600000" } };
        Assert.Equal(new Dictionary<string, string> { ["retention.ms"] = "3600000" }, spec.CreationConfigs());
        Assert.False(spec.PartitionCountMustMatch);
    }

    [Fact]
    public void CreationConfigs_CompactionOverridesACallersCleanupPolicy()
    {
        var spec = TopicSpec.Changelog("state", 1) with { Configs = new Dictionary<string, string> { ["cleanup.policy"] = "delete", ["segment.ms"] = "60000" } };
        Assert.Equal(new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["segment.ms"] = "60000" }, spec.CreationConfigs());
    }
}
