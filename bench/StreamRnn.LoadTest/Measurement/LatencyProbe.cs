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
    private readonly string _bootstrapServers;
    private readonly string _topic;
    private readonly int _partitions;
    private readonly List<(byte[] Value, long ReadAt)> _outputs;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ManualResetEventSlim _assigned = new();
    private readonly Thread _thread;
    private long _count;

    public LatencyProbe(string bootstrapServers, string topic, int partitions, int expected)
    {
        _bootstrapServers = bootstrapServers;
        _topic = topic;
        _partitions = partitions;
        _outputs = new List<(byte[], long)>(expected);
        _thread = new Thread(Run) { Name = "load-probe", IsBackground = true };
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Starts reading; returns once the partitions are assigned.</summary>
    public void Start()
    {
        _thread.Start();
        if (!_assigned.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The latency probe was not assigned its partitions.");
        }
    }

    /// <summary>Stops reading and returns what arrived, in arrival order.</summary>
    public IReadOnlyList<(byte[] Value, long ReadAt)> Stop()
    {
        _stopping.Cancel();
        _thread.Join();
        return _outputs;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _stopping.Dispose();
        _assigned.Dispose();
    }

    private void Run()
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _bootstrapServers,
            GroupId = "load-probe",
            EnableAutoCommit = false,
            FetchWaitMaxMs = 5,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, _partitions).Select(p => new TopicPartitionOffset(_topic, new Partition(p), new Offset(0))));
        _assigned.Set();
        while (!_stopping.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (result?.Message is null)
            {
                continue;
            }

            long readAt = Stopwatch.GetTimestamp();
            _outputs.Add((result.Message.Value, readAt));
            Interlocked.Increment(ref _count);
        }

        consumer.Close();
    }
}
