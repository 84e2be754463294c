using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

/// <summary>In <see cref="ClusterLifecycleCollection"/>: runs alone, so the thread counts are this class's own.</summary>
[Collection(nameof(ClusterLifecycleCollection))]
[Trait("Category", "Integration")]
public sealed class ClusterLifecycleTests(ITestOutputHelper output)
{
    private const int Cycles = 20;

    [Fact]
    public void StartUseDispose_TwentyTimes_ReleasesPortsAndThreads()
    {
        // Warm-up: loads librdkafka and Confluent.Kafka's statics, which stay for the process lifetime.
        RunOnce("warm-up", out _, out _, out var threadsWhileRunning);
        output.WriteLine($"threads while a 2-broker cluster and a producer run: {string.Join(", ", threadsWhileRunning.Order())}");
        Assert.True(threadsWhileRunning.Count(n => n.StartsWith("rdk:", StringComparison.Ordinal)) >= 3, "librdkafka threads are recognisable by name");
        int librdkafkaThreadsBefore = NativeThreads.CountLibrdkafka();
        int threadsBefore = NativeThreads.Names().Count;
        var startTimes = new List<double>();
        var disposeTimes = new List<double>();
        var ports = new List<int>();

        for (int cycle = 0; cycle < Cycles; cycle++)
        {
            ports.AddRange(RunOnce($"cycle-{cycle}", out double startMs, out double disposeMs, out _));
            startTimes.Add(startMs);
            disposeTimes.Add(disposeMs);
        }

        int librdkafkaThreadsAfter = NativeThreads.CountLibrdkafka();
        int threadsAfter = NativeThreads.Names().Count;
        output.WriteLine($"start ms: median {Median(startTimes):0.0}, max {startTimes.Max():0.0}; dispose ms: median {Median(disposeTimes):0.0}, max {disposeTimes.Max():0.0}");
        output.WriteLine($"librdkafka threads {librdkafkaThreadsBefore} -> {librdkafkaThreadsAfter}; all threads {threadsBefore} -> {threadsAfter}");
        output.WriteLine($"thread names now: {string.Join(", ", NativeThreads.Names().Order())}");

        Assert.Equal(librdkafkaThreadsBefore, librdkafkaThreadsAfter);
        Assert.InRange(threadsAfter, 0, threadsBefore + 4); // the thread pool may grow a little; 20 clusters' worth would be ~100
        foreach (int port in ports)
        {
            // Binding succeeds only if the broker's listening socket is gone.
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }

    [Fact]
    public async Task ThreeClustersInParallel_AreIndependent()
    {
        var clusters = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => EmbeddedKafkaCluster.Start())));
        try
        {
            Assert.Equal(3, clusters.Select(c => c.BootstrapServers).Distinct().Count());
            await Task.WhenAll(clusters.Select((cluster, index) => Task.Run(() =>
            {
                string topic = $"parallel-{index}";
                cluster.CreateTopic(topic, 2);
                using (var producer = Clients.Producer(cluster.BootstrapServers))
                {
                    for (int i = 0; i < 100; i++)
                    {
                        producer.Produce(new TopicPartition(topic, new Partition(i % 2)), new Message<string, string> { Key = $"{index}", Value = $"{i}" });
                    }

                    Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(15)));
                }

                var read = Clients.ReadAll(cluster.BootstrapServers, topic, 2, TimeSpan.FromSeconds(15));
                Assert.Equal(Enumerable.Range(0, 50).Select(i => ($"{index}", $"{2 * i}")), read[0]);
                Assert.Equal(Enumerable.Range(0, 50).Select(i => ($"{index}", $"{2 * i + 1}")), read[1]);
            })));

            // Each cluster knows only its own topic.
            for (int index = 0; index < 3; index++)
            {
                var counts = clusters[index].GetPartitionCounts();
                Assert.Equal(2, counts[$"parallel-{index}"]);
                Assert.Equal([$"parallel-{index}"], counts.Keys.Where(k => k.StartsWith("parallel-", StringComparison.Ordinal)));
            }
        }
        finally
        {
            foreach (var cluster in clusters)
            {
                cluster.Dispose();
            }
        }
    }

    private static IEnumerable<int> RunOnce(string topic, out double startMs, out double disposeMs, out IReadOnlyList<string> threadsWhileRunning)
    {
        long started = Stopwatch.GetTimestamp();
        var cluster = EmbeddedKafkaCluster.Start(brokers: 2);
        startMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            cluster.CreateTopic(topic, 2);
            using var producer = Clients.Producer(cluster.BootstrapServers);
            producer.Produce(topic, new Message<string, string> { Key = "k", Value = "v" });
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
            threadsWhileRunning = NativeThreads.Names();
        }
        finally
        {
            started = Stopwatch.GetTimestamp();
            cluster.Dispose();
            disposeMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return [.. cluster.BootstrapServers.Split(',').Select(a => int.Parse(a[(a.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))];
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
