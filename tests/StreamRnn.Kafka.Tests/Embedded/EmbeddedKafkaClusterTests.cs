using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

public sealed partial class EmbeddedKafkaClusterTests(ITestOutputHelper output)
{
    [Fact]
    public void Start_ListensOnLoopbackWithOneAddressPerBroker()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 3, new TestOutputLogger(output));

        var addresses = cluster.BootstrapServers.Split(',');
        Assert.Equal(3, addresses.Length);
        Assert.All(addresses, a => Assert.Matches(LoopbackAddress(), a));
        Assert.Equal(3, addresses.Distinct().Count());
        Assert.Equal(3, cluster.BrokerCount);
        Assert.EndsWith(".so", cluster.LibrdkafkaPath, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfluentClients_ProduceAndConsumeThroughTheCluster()
    {
        using var cluster = EmbeddedKafkaCluster.Start(logger: new TestOutputLogger(output));
        Assert.True(cluster.CreateTopic("smoke", partitions: 2));
        var expected = Enumerable.Range(0, 50).Select(i => (Key: $"k{i % 5}", Value: $"v{i}")).ToList();

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            foreach (var (key, value) in expected)
            {
                producer.Produce(new TopicPartition("smoke", new Partition(0)), new Message<string, string> { Key = key, Value = value });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        var received = new List<(string, string)>();
        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
               {
                   BootstrapServers = cluster.BootstrapServers,
                   GroupId = "smoke-reader",
                   EnablePartitionEof = true,
               }).Build())
        {
            consumer.Assign(new TopicPartitionOffset("smoke", new Partition(0), Offset.Beginning));
            while (consumer.Consume(TimeSpan.FromSeconds(10)) is { IsPartitionEOF: false } result)
            {
                received.Add((result.Message.Key, result.Message.Value));
            }

            consumer.Close();
        }

        Assert.Equal(expected, received);
    }

    [GeneratedRegex(@"^(127\.0\.0\.1|localhost):\d{2,5}$")]
    private static partial Regex LoopbackAddress();
}
