using System.Diagnostics;
using Confluent.Kafka;
using StreamRnn.Kafka.Admin;
using StreamRnn.Kafka.Tests.Support;

namespace StreamRnn.Kafka.Tests.Admin;

/// <summary>
/// The administrator's real-Kafka path against the embedded broker: metadata works there, CreateTopics does not,
/// so these tests cover everything up to the CreateTopics request and how its failure is reported.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TopicAdministratorTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private AdminClientConfig Config => new() { BootstrapServers = fixture.BootstrapServers };

    [Fact]
    public async Task EnsureTopics_AllPresent_ReportsThemWithoutCreating()
    {
        string input = fixture.NewTopic("input");
        string changelog = fixture.NewTopic("changelog");
        string predictions = fixture.NewTopic("predictions");
        fixture.Cluster.CreateTopic(input, 3);
        fixture.Cluster.CreateTopic(changelog, 3);
        fixture.Cluster.CreateTopic(predictions, 1);
        var logger = new TestOutputLogger(output);
        using var administrator = TopicAdministrator.Create(Config, logger, TimeSpan.FromSeconds(5));

        // Had it sent CreateTopics, the embedded broker would have let it time out.
        var statuses = await administrator.EnsureTopicsAsync([TopicSpec.Stream(input, 3), TopicSpec.Changelog(changelog, 3), TopicSpec.Stream(predictions, 3)]);

        Assert.Equal([new TopicStatus(input, 3, false), new TopicStatus(changelog, 3, false), new TopicStatus(predictions, 1, false)], statuses);
        Assert.Contains($"Warning: Topic {predictions} exists with 1 partition(s), not the 3 asked for; using it as it is", logger.Lines);
    }

    [Fact]
    public async Task EnsureTopics_ChangelogMismatch_FailsWithoutCreating()
    {
        string changelog = fixture.NewTopic("changelog");
        string missing = fixture.NewTopic("missing");
        fixture.Cluster.CreateTopic(changelog, 2);
        using var administrator = TopicAdministrator.Create(Config, timeout: TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<TopicProvisioningException>(
            () => administrator.EnsureTopicsAsync([TopicSpec.Stream(missing, 1), TopicSpec.Changelog(changelog, 8)]));

        Assert.Equal([changelog], error.Topics);
        Assert.Contains("exists with 2 partition(s) but 8 are required", error.Message, StringComparison.Ordinal);
        Assert.Null(fixture.Cluster.GetPartitionCount(missing));
    }

    [Fact]
    public async Task EnsureTopics_WhenTheClusterCannotCreateTopics_SaysSoNamingTheTopics()
    {
        string missing = fixture.NewTopic("uncreatable");
        using var administrator = TopicAdministrator.Create(Config, timeout: TimeSpan.FromSeconds(2));
        long started = Stopwatch.GetTimestamp();

        var error = await Assert.ThrowsAsync<TopicProvisioningException>(
            () => administrator.EnsureTopicsAsync([TopicSpec.Changelog(missing, 2)]));

        output.WriteLine($"{Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s: {error.Message}");
        Assert.Equal([missing], error.Topics);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task GetPartitionCount_ReadsMetadataWithoutCreatingTopics()
    {
        string topic = fixture.NewTopic("counted");
        fixture.Cluster.CreateTopic(topic, 5);
        using var admin = new AdminClientBuilder(Config).Build();
        using var administrator = new TopicAdministrator(admin);

        Assert.Equal(5, await administrator.GetPartitionCountAsync(topic));
        Assert.Null(await administrator.GetPartitionCountAsync(topic + "-absent"));
        Assert.Equal(5, TopicMetadataReader.ReadPartitionCount(admin, topic, TimeSpan.FromSeconds(5)));
        Assert.Null(TopicMetadataReader.ReadPartitionCount(admin, topic + "-absent", TimeSpan.FromSeconds(5)));
        Assert.Null(fixture.Cluster.GetPartitionCount(topic + "-absent"));

        // The administrator did not own the client: it must still work.
        Assert.Equal(5, TopicMetadataReader.ReadPartitionCounts(admin, TimeSpan.FromSeconds(5))[topic]);
    }
}
