using Confluent.Kafka;
using StreamRnn.Kafka.Admin;
using StreamRnn.Kafka.Tests.Support;

namespace StreamRnn.Kafka.Tests.Admin;

[Trait("Category", "Integration")]

public sealed class EmbeddedTopicProvisionerTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task EnsureTopics_CreatesMissingTopicsAndIsIdempotent()
    {
        string input = fixture.NewTopic("input");
        string changelog = fixture.NewTopic("changelog");
        string models = fixture.NewTopic("models");
        fixture.Cluster.CreateTopic(input, 6);
        var logger = new TestOutputLogger(output);
        var provisioner = new EmbeddedTopicProvisioner(fixture.Cluster, logger);
        int? inputPartitions = await provisioner.GetPartitionCountAsync(input);
        Assert.Equal(6, inputPartitions);
        TopicSpec[] specs = [TopicSpec.Stream(input, 6), TopicSpec.Changelog(changelog, inputPartitions!.Value), TopicSpec.Model(models)];

        var first = await provisioner.EnsureTopicsAsync(specs);
        var second = await provisioner.EnsureTopicsAsync(specs);

        Assert.Equal([new TopicStatus(input, 6, false), new TopicStatus(changelog, 6, true), new TopicStatus(models, 1, true)], first);
        Assert.Equal([new TopicStatus(input, 6, false), new TopicStatus(changelog, 6, false), new TopicStatus(models, 1, false)], second);
        Assert.Equal(6, fixture.Cluster.GetPartitionCount(changelog));
        Assert.Equal(1, fixture.Cluster.GetPartitionCount(models));
        Assert.Contains(logger.Lines, l => l == $"Information: Topic {changelog} is to be compacted, but the embedded broker never compacts: its restore reads every record");
    }

    [Fact]
    public async Task EnsureTopics_ChangelogWithAnotherPartitionCount_FailsBeforeCreatingAnything()
    {
        string changelog = fixture.NewTopic("changelog");
        string output = fixture.NewTopic("output");
        fixture.Cluster.CreateTopic(changelog, 4);
        var provisioner = new EmbeddedTopicProvisioner(fixture.Cluster);

        var error = await Assert.ThrowsAsync<TopicProvisioningException>(
            () => provisioner.EnsureTopicsAsync([TopicSpec.Stream(output, 2), TopicSpec.Changelog(changelog, 6)]));

        Assert.Equal([changelog], error.Topics);
        Assert.StartsWith($"Topic {changelog} exists with 4 partition(s) but 6 are required", error.Message, StringComparison.Ordinal);
        Assert.Null(fixture.Cluster.GetPartitionCount(output));
    }

    [Fact]
    public async Task EnsureTopics_StreamAutoCreatedWithFourPartitions_IsAcceptedAsItIs()
    {
        string topic = fixture.NewTopic("auto");
        using (var producer = Clients.Producer(fixture.BootstrapServers))
        {
            producer.Produce(topic, new Message<string, string> { Key = "k", Value = "v" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var statuses = await new EmbeddedTopicProvisioner(fixture.Cluster).EnsureTopicsAsync([TopicSpec.Stream(topic, 2)]);

        Assert.Equal([new TopicStatus(topic, 4, false)], statuses);
    }

    [Fact]
    public async Task EnsureTopics_ReplicationBeyondTheBrokers_IsAClearError()
    {
        string topic = fixture.NewTopic("replicated");
        var error = await Assert.ThrowsAsync<TopicProvisioningException>(
            () => new EmbeddedTopicProvisioner(fixture.Cluster).EnsureTopicsAsync([TopicSpec.Stream(topic, 1) with { ReplicationFactor = 3 }]));
        Assert.Equal($"Topic {topic}: replication factor 3 exceeds the embedded cluster's 1 broker(s).", error.Message);
    }

    [Fact]
    public async Task GetPartitionCount_OfAMissingTopicIsNull() =>
        Assert.Null(await new EmbeddedTopicProvisioner(fixture.Cluster).GetPartitionCountAsync(fixture.NewTopic("missing")));
}
