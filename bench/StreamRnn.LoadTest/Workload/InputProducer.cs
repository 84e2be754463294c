using System.Buffers.Text;
using System.Diagnostics;
using Confluent.Kafka;

namespace StreamRnn.LoadTest.Workload;

/// <summary>
/// Writes the workload into the input topic, either all at once before a contender starts (a backlog to drain) or
/// paced on an absolute schedule while it runs (offered load for latency). Idempotent, acks=all; every delivery
/// is recorded in a <see cref="SendLog"/>.
/// </summary>
public static class InputProducer
{
    /// <summary>Produces every record as fast as the broker takes them and waits for all acknowledgements.</summary>
    public static TimeSpan ProduceAll(string bootstrapServers, string topic, LoadWorkload workload, SendLog log)
    {
        using var producer = Build(bootstrapServers, log, lingerMs: 5);
        var onDelivered = DeliveryHandler(log);
        long started = Stopwatch.GetTimestamp();
        var destination = new TopicPartition(topic, Partition.Any);
        for (int seq = 0; seq < workload.Count; seq++)
        {
            log.Sent(seq, Stopwatch.GetTimestamp());
            Produce(producer, destination, workload, seq, onDelivered);
        }

        Flush(producer);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Produces record i at start + i / rate (bursts of whatever is due, then a 1 ms sleep) until
    /// <paramref name="cancellation"/> fires or every record is sent; waits for the acknowledgements.
    /// </summary>
    public static (int Sent, TimeSpan Elapsed) ProducePaced(string bootstrapServers, string topic, LoadWorkload workload, SendLog log,
        int recordsPerSecond, CancellationToken cancellation)
    {
        // Linger 1 ms: the input side should add as little delay as it can without one request per record.
        using var producer = Build(bootstrapServers, log, lingerMs: 1);
        var onDelivered = DeliveryHandler(log);
        var destination = new TopicPartition(topic, Partition.Any);
        long start = Stopwatch.GetTimestamp();
        double ticksPerRecord = (double)Stopwatch.Frequency / recordsPerSecond;
        int seq = 0;
        while (seq < workload.Count && !cancellation.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            long due = Math.Min(workload.Count, (long)((now - start) / ticksPerRecord) + 1);
            for (; seq < due; seq++)
            {
                log.Sent(seq, Stopwatch.GetTimestamp());
                Produce(producer, destination, workload, seq, onDelivered);
            }

            Thread.Sleep(1);
        }

        Flush(producer);
        return (seq, Stopwatch.GetElapsedTime(start));
    }

    private static IProducer<byte[], byte[]> Build(string bootstrapServers, SendLog log, int lingerMs)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = lingerMs,
            QueueBufferingMaxMessages = 1_000_000,
        };
        return new ProducerBuilder<byte[], byte[]>(config)
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => log.Failed())
            .Build();
    }

    private static Action<DeliveryReport<byte[], byte[]>> DeliveryHandler(SendLog log) => report =>
    {
        if (report.Error.IsError)
        {
            log.Failed();
        }
        else
        {
            log.Delivered(report.Partition.Value, report.Offset.Value, SeqOf(report.Message.Value));
        }
    };

    private static void Produce(IProducer<byte[], byte[]> producer, TopicPartition destination, LoadWorkload workload, int seq,
        Action<DeliveryReport<byte[], byte[]>> onDelivered)
    {
        var message = new Message<byte[], byte[]> { Key = workload.KeyOf(seq), Value = workload.ValueOf(seq) };
        while (true)
        {
            try
            {
                producer.Produce(destination, message, onDelivered);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    /// <summary>The "seq" of a workload value, which always starts <c>{"seq":</c>.</summary>
    public static int SeqOf(ReadOnlySpan<byte> value)
    {
        var prefix = "{\"seq\":"u8;
        if (!value.StartsWith(prefix) || !Utf8Parser.TryParse(value[prefix.Length..], out int seq, out _))
        {
            return -1;
        }

        return seq;
    }

    private static void Flush(IProducer<byte[], byte[]> producer)
    {
        int outstanding = producer.Flush(TimeSpan.FromSeconds(120));
        if (outstanding > 0)
        {
            throw new TimeoutException($"{outstanding} input records were not acknowledged within 120 s.");
        }
    }
}
