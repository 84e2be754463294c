using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using StreamRnn.Kafka.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

[Trait("Category", "Integration")]

public sealed class ConsumerGroupTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const int Partitions = 4;

    /// <remarks>
    /// Classic protocol: when a member joins a working group the mock waits <c>session.timeout.ms</c> − 1 s before
    /// electing, and cooperative-sticky needs two rounds, so the members here use a 2 s session timeout (the mock,
    /// unlike a real broker, has no 6 s minimum). KIP-848: assignments arrive with the next heartbeat.
    /// </remarks>
    [Theory]
    [InlineData(GroupProtocol.Classic)]
    [InlineData(GroupProtocol.Consumer)]
    public async Task TwoConsumersInOneGroup_SplitThePartitionsQuicklyAndReadEachRecordOnce(GroupProtocol protocol)
    {
        string topic = fixture.NewTopic($"group-{protocol}");
        fixture.Cluster.CreateTopic(topic, Partitions);
        fixture.Cluster.SetGroupConsumerHeartbeatInterval(TimeSpan.FromMilliseconds(300));
        string group = $"{topic}-readers";
        using var first = new GroupMember(fixture.BootstrapServers, topic, group, protocol);
        long started = Stopwatch.GetTimestamp();
        first.Start();

        // Real brokers hold a new group's first rebalance for 3 s; the embedded one is set to 0.
        await Wait.UntilAsync(() => first.Assignment.Count == Partitions, TimeSpan.FromSeconds(10), "the first member to own all partitions");
        var firstJoin = Stopwatch.GetElapsedTime(started);

        using var second = new GroupMember(fixture.BootstrapServers, topic, group, protocol);
        started = Stopwatch.GetTimestamp();
        second.Start();
        await Wait.UntilAsync(
            () => second.Assignment.Count > 0 && first.Assignment.Count > 0 && first.Assignment.Count + second.Assignment.Count == Partitions,
            TimeSpan.FromSeconds(15),
            "the second member to take over partitions");
        var split = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"{protocol}: first join {firstJoin.TotalMilliseconds:0} ms, split after second join {split.TotalMilliseconds:0} ms; "
            + $"first owns [{string.Join(",", first.Assignment)}], second owns [{string.Join(",", second.Assignment)}]");
        Assert.True(firstJoin < TimeSpan.FromSeconds(2.5), $"first join took {firstJoin}");
        Assert.True(split < TimeSpan.FromSeconds(6), $"the split took {split}");
        Assert.Equal(Enumerable.Range(0, Partitions), first.Assignment.Concat(second.Assignment).Order());

        using (var producer = Clients.Producer(fixture.BootstrapServers))
        {
            for (int i = 0; i < 40; i++)
            {
                producer.Produce(new TopicPartition(topic, new Partition(i % Partitions)), new Message<string, string> { Key = $"k{i}", Value = $"{i}" });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(10)));
        }

        await Wait.UntilAsync(() => first.Received.Count + second.Received.Count >= 40, TimeSpan.FromSeconds(15), "40 records to arrive");
        first.Stop();
        second.Stop();

        Assert.Equal(40, first.Received.Count + second.Received.Count);
        Assert.All(first.Received, r => Assert.Contains(r.Partition, first.Assignment));
        Assert.All(second.Received, r => Assert.Contains(r.Partition, second.Assignment));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"{i}"), first.Received.Concat(second.Received).Select(r => r.Value).OrderBy(int.Parse));
    }

    /// <summary>A consumer polled by its own thread, as consumers are not thread-safe; closed on that thread.</summary>
    private sealed class GroupMember : IDisposable
    {
        private readonly IConsumer<string, string> _consumer;
        private readonly Thread _thread;
        private readonly string _topic;
        private volatile bool _stopping;
        private volatile int[] _assignment = [];

        public GroupMember(string bootstrapServers, string topic, string group, GroupProtocol protocol)
        {
            _topic = topic;
            _consumer = Clients.Consumer(bootstrapServers, group, c =>
            {
                c.EnablePartitionEof = false;
                c.GroupProtocol = protocol;
                if (protocol == GroupProtocol.Classic)
                {
                    // With KIP-848 these are the broker's to set, and the client rejects them.
                    c.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
                    c.SessionTimeoutMs = 2000;
                    c.HeartbeatIntervalMs = 300;
                }
            });
            _thread = new Thread(Run) { IsBackground = true, Name = $"consumer {group}" };
        }

        public IReadOnlyList<int> Assignment => _assignment;

        public ConcurrentQueue<(int Partition, string Value)> Received { get; } = new();

        public void Start() => _thread.Start();

        public void Stop()
        {
            _stopping = true;
            if (!_thread.Join(TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException("The consumer thread did not stop.");
            }
        }

        public void Dispose()
        {
            if (_thread.IsAlive)
            {
                Stop();
            }

            _consumer.Dispose();
        }

        private void Run()
        {
            try
            {
                _consumer.Subscribe(_topic);
                while (!_stopping)
                {
                    var record = _consumer.Consume(TimeSpan.FromMilliseconds(50));
                    if (record is not null)
                    {
                        Received.Enqueue((record.Partition.Value, record.Message.Value));
                    }

                    _assignment = [.. _consumer.Assignment.Select(p => p.Partition.Value).Order()];
                }
            }
            finally
            {
                _consumer.Close();
            }
        }
    }
}
