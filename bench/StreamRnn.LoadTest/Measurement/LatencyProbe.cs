using System.Diagnostics;
using Confluent.Kafka;

namespace StreamRnn.LoadTest.Measurement;

/// <summary>
/// A measuring consumer on the output topic, on its own thread, assigned every partition from the beginning
/// (no group join). It notes when each output arrived (<see cref="Stopwatch"/> ticks, right after Consume
/// returned it) and keeps the value, so latencies are worked out after the run.
/// </summary>
/// <remarks>fetch.wait.max.ms = 5: the mock broker answers an empty fetch only after that wait, so it bounds
/// what the probe itself adds to a latency.</remarks>
public sealed class LatencyProbe : IDisposable
{
    private readonly string bootstrapServers;
    private readonly string topic;
    private readonly int partitions;
    private readonly List<(byte[] Value, long ReadAt)> outputs;
    private readonly CancellationTokenSource stopping = new();
    private readonly ManualResetEventSlim assigned = new();
    private readonly Thread thread;
    private long count;

    public LatencyProbe(string bootstrapServers, string topic, int partitions, int expected)
    {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.partitions = partitions;
        outputs = new List<(byte[], long)>(expected);
        thread = new Thread(Run) { Name = "load-probe", IsBackground = true };
    }

    public long Count => Interlocked.Read(ref count);

    /// <summary>Starts reading; returns once the partitions are assigned.</summary>
    public void Start()
    {
        thread.Start();
        if (!assigned.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The latency probe was not assigned its partitions.");
        }
    }

    /// <summary>Stops reading and returns what arrived, in arrival order.</summary>
    public IReadOnlyList<(byte[] Value, long ReadAt)> Stop()
    {
        stopping.Cancel();
        thread.Join();
        return outputs;
    }

    public void Dispose()
    {
        stopping.Cancel();
        if (thread.IsAlive)
        {
            thread.Join();
        }

        stopping.Dispose();
        assigned.Dispose();
    }

    private void Run()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "load-probe",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 5,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), new Offset(0))));
        assigned.Set();
        while (!stopping.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (result?.Message is null)
            {
                continue;
            }

            long readAt = Stopwatch.GetTimestamp();
            outputs.Add((result.Message.Value, readAt));
            Interlocked.Increment(ref count);
        }

        consumer.Close();
    }
}
