using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

[Trait("Category", "Integration")]

public sealed partial class EmbeddedKafkaClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public void Start_ListensOnLoopbackWithOneAddressPerBroker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 3, new TestOutputLogger(output));

        string[] addresses = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, a => Assert.Matches(LoopbackAddress(), a));
        Assert.Equal(3, addresses.Distinct().Count());
        Assert.Equal(3, cluster.BrokerCount);
        Assert.Matches(@"/[^/]*librdkafka[^/]*\.so$", cluster.LibrdkafkaPath);
    }

    [Fact]
    public void Start_RejectsZeroBrokers() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedKafkaCluster.Start(brokers: 0));

    [Fact]
    public void Start_LogsThroughTheLoggerWithoutTheHostHandlesBootstrapWarning()
    {
        var logger = new TestOutputLogger(output);
        using (var cluster = EmbeddedKafkaCluster.Start(logger: logger))
        {
            cluster.CreateTopic(fixture.NewTopic("logged"), 1);
        }

        var lines = logger.Lines;
        Assert.Contains(lines, l => l.StartsWith("Information: Embedded Kafka cluster with 1 broker(s) listening on 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Information: Created topic logged-", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Information: Embedded Kafka cluster on 127.0.0.1:", StringComparison.Ordinal) && l.EndsWith(" stopped", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("bootstrap.servers", StringComparison.Ordinal));
    }

    [Fact]
    public void ConfluentClients_ProduceAndConsumeThroughTheCluster()
    {
        string topic = fixture.NewTopic("smoke");
        Assert.True(fixture.Cluster.CreateTopic(topic, partitions: 2));
        var expected = Enumerable.Range(0, 50).Select(i => ($"k{i % 5}", $"v{i}")).ToList();

        using (var producer = Clients.Producer(fixture.BootstrapServers))
        {
            foreach (var (key, value) in expected)
            {
                producer.Produce(new TopicPartition(topic, new Partition(1)), new Message<string, string> { Key = key, Value = value });
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        var read = Clients.ReadAll(fixture.BootstrapServers, topic, partitions: 2, Timeout);
        Assert.Empty(read[0]);
        Assert.Equal(expected, read[1]);
    }

    [Fact]
    public void CreateTopic_IsVisibleInMetadataWithItsPartitionCount()
    {
        string topic = fixture.NewTopic("metadata");
        Assert.True(fixture.Cluster.CreateTopic(topic, partitions: 7));

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, Timeout).Topics.Single();
        Assert.Equal(ErrorCode.NoError, metadata.Error.Code);
        Assert.Equal(Enumerable.Range(0, 7), metadata.Partitions.Select(p => p.PartitionId).Order());
        Assert.Equal(7, fixture.Cluster.GetPartitionCount(topic));
    }

    [Fact]
    public void CreateTopic_SecondCallWithSamePartitionCountIsANoOp()
    {
        string topic = fixture.NewTopic("twice");
        Assert.True(fixture.Cluster.CreateTopic(topic, 3));
        Assert.False(fixture.Cluster.CreateTopic(topic, 3));
        Assert.Equal(3, fixture.Cluster.GetPartitionCount(topic));
    }

    [Fact]
    public void CreateTopic_WithAnotherPartitionCountThrowsAndLeavesTheTopicAlone()
    {
        string topic = fixture.NewTopic("resize");
        fixture.Cluster.CreateTopic(topic, 3);

        var error = Assert.Throws<InvalidOperationException>(() => fixture.Cluster.CreateTopic(topic, 5));

        Assert.Equal($"Topic {topic} already exists with 3 partition(s), not 5; the embedded broker cannot change a topic's partition count.", error.Message);
        Assert.Equal(3, fixture.Cluster.GetPartitionCount(topic));
    }

    [Fact]
    public void CreateTopic_AfterAProducerAutoCreatedTheTopicSeesItsFourPartitions()
    {
        string topic = fixture.NewTopic("auto");
        using (var producer = Clients.Producer(fixture.BootstrapServers))
        {
            producer.Produce(topic, new Message<string, string> { Key = "k", Value = "v" });
            Assert.Equal(0, producer.Flush(Timeout));
        }

        Assert.Equal(4, fixture.Cluster.GetPartitionCount(topic));
        Assert.False(fixture.Cluster.CreateTopic(topic, 4));
        Assert.Throws<InvalidOperationException>(() => fixture.Cluster.CreateTopic(topic, 1));
    }

    [Fact]
    public void GetPartitionCount_OfAMissingTopicIsNullAndDoesNotCreateIt()
    {
        string topic = fixture.NewTopic("absent");
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.Null(fixture.Cluster.GetPartitionCount(topic));
        output.WriteLine($"GetPartitionCount took {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
        Assert.Null(fixture.Cluster.GetPartitionCount(topic));
        Assert.True(fixture.Cluster.CreateTopic(topic, 2));
    }

    [Fact]
    public void Arguments_AreCheckedAgainstTheCluster()
    {
        var cluster = fixture.Cluster;
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("too-replicated", 1, replicationFactor: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.CreateTopic("no-partitions", 0));
        Assert.Throws<ArgumentException>(() => cluster.CreateTopic(" ", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerDown(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerRtt(0, TimeSpan.FromMilliseconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.SetBrokerRtt(1, TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => cluster.PushRequestErrors(KafkaApiKey.Produce));
        Assert.Null(cluster.GetPartitionCount("too-replicated"));
    }

    [Fact]
    public void Dispose_IsIdempotentAndThreadSafe()
    {
        var cluster = EmbeddedKafkaCluster.Start();
        string servers = cluster.BootstrapServers;
        using var start = new Barrier(8);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        // Dedicated threads: eight pool threads blocked on a barrier would wait for the pool to grow.
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                cluster.Dispose();
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(Timeout)));
        cluster.Dispose();

        Assert.Empty(failures);

        Assert.Equal(servers, cluster.BootstrapServers);
        Assert.Throws<ObjectDisposedException>(() => cluster.CreateTopic("late", 1));
        Assert.Throws<ObjectDisposedException>(() => cluster.SetBrokerDown(1));
        Assert.Throws<ObjectDisposedException>(() => cluster.GetPartitionCount("late"));
    }

    [GeneratedRegex(@"^127\.0\.0\.1:\d{2,5}$")]
    private static partial Regex LoopbackAddress();
}
