using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

/// <summary>kcat is another process with its own librdkafka (2.0.2): it sees the cluster as any outside client would.</summary>
[Trait("Category", "ExternalTool")]
public sealed class KcatInteropTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ProducedWithConfluent_ConsumedWithKcat_ExactlyPerPartition()
    {
        string topic = fixture.NewTopic("to-kcat");
        fixture.Cluster.CreateTopic(topic, 3);
        var expected = Enumerable.Range(0, 3).ToDictionary(
            p => p,
            p => Enumerable.Range(0, 25).Select(i => (Key: $"sensor-{(i * 7 + p) % 4}", Value: $"{{\"p\":{p},\"i\":{i}}}")).ToList());
        using (var producer = Clients.Producer(fixture.BootstrapServers))
        {
            // Interleaved across partitions, so that per-partition order is what is being checked.
            for (int i = 0; i < 25; i++)
            {
                for (int p = 0; p < 3; p++)
                {
                    var (key, value) = expected[p][i];
                    producer.Produce(new TopicPartition(topic, new Partition(p)), new Message<string, string> { Key = key, Value = value });
                }
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        for (int p = 0; p < 3; p++)
        {
            string text = await Kcat.RunAsync(["-b", fixture.BootstrapServers, "-C", "-t", topic, "-p", $"{p}", "-o", "beginning", "-e", "-q", "-f", "%k:%s\n"]);
            Assert.Equal(string.Concat(expected[p].Select(r => $"{r.Key}:{r.Value}\n")), text);
        }

        string all = await Kcat.RunAsync(["-b", fixture.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p|%o|%k|%s\n"]);
        var lines = all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|')).ToList();
        Assert.Equal(75, lines.Count);
        for (int p = 0; p < 3; p++)
        {
            var partition = lines.Where(l => l[0] == $"{p}").ToList();
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"{i}"), partition.Select(l => l[1]));
            Assert.Equal(expected[p], partition.Select(l => (l[2], l[3])));
        }
    }

    [Fact]
    public async Task ProducedWithKcat_ConsumedWithConfluent_ExactlyPerPartition()
    {
        string topic = fixture.NewTopic("from-kcat");
        fixture.Cluster.CreateTopic(topic, 2);
        var expected = new Dictionary<int, List<(string, string)>>
        {
            [0] = [.. Enumerable.Range(0, 30).Select(i => ($"k{i % 3}", $"zero {i}"))],
            [1] = [.. Enumerable.Range(0, 20).Select(i => ($"k{i % 5}", $"one {i}"))],
        };

        foreach (var (partition, records) in expected)
        {
            await Kcat.RunAsync(
                ["-b", fixture.BootstrapServers, "-P", "-t", topic, "-p", $"{partition}", "-K", ":"],
                input: string.Concat(records.Select(r => $"{r.Item1}:{r.Item2}\n")));
        }

        var read = Clients.ReadAll(fixture.BootstrapServers, topic, 2, Timeout);
        Assert.Equal(expected[0], read[0]);
        Assert.Equal(expected[1], read[1]);
    }

    [Fact]
    public async Task KcatMetadata_ShowsPartitionsReplicasAndBrokers()
    {
        using var cluster = EmbeddedKafkaCluster.Start(brokers: 3);
        cluster.CreateTopic("replicated", partitions: 5, replicationFactor: 3);

        string json = await Kcat.RunAsync(["-b", cluster.BootstrapServers, "-L", "-t", "replicated", "-J"]);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal([1, 2, 3], root.GetProperty("brokers").EnumerateArray().Select(b => b.GetProperty("id").GetInt32()).Order());
        var topic = Assert.Single(root.GetProperty("topics").EnumerateArray());
        Assert.Equal("replicated", topic.GetProperty("topic").GetString());
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3, 4], partitions.Select(p => p.GetProperty("partition").GetInt32()).Order());
        Assert.All(partitions, p =>
        {
            Assert.InRange(p.GetProperty("leader").GetInt32(), 1, 3);
            Assert.Equal([1, 2, 3], p.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("id").GetInt32()).Order());
        });
    }
}
