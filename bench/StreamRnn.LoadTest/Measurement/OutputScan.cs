using System.Diagnostics;
using Confluent.Kafka;
using StreamRnn.LoadTest.Workload;

namespace StreamRnn.LoadTest.Measurement;

/// <summary>
/// Everything in an output topic after a run, read from the beginning of each partition to its end: how many
/// outputs, how many distinct inputs they trace back to, and the first and last output's timestamp (set by the
/// contender's producer when it was handed the record, milliseconds).
/// </summary>
public sealed record OutputScan(long Outputs, int DistinctInputs, int Untraced, long FirstTimestampMs, long LastTimestampMs, long DroppedByBroker)
{
    public static OutputScan Read(string bootstrapServers, string topic, int partitions, SendLog log, int inputs, TimeSpan timeout)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "load-scan",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();

        // The mock keeps at most 5 MiB per partition: a moved log start means outputs were dropped and the run is void.
        long dropped = 0;
        for (int p = 0; p < partitions; p++)
        {
            dropped += consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(p)), TimeSpan.FromSeconds(10)).Low.Value;
        }

        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), Offset.Beginning)));
        bool[] seen = new bool[inputs];
        long outputs = 0, first = long.MaxValue, last = long.MinValue;
        int distinct = 0, untraced = 0;
        var atEnd = new HashSet<int>();
        long started = Stopwatch.GetTimestamp();
        while (atEnd.Count < partitions)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Reading {topic}: {atEnd.Count} of {partitions} partitions reached their end in {timeout.TotalSeconds} s.");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }

            atEnd.Remove(result.Partition.Value);
            outputs++;
            long timestamp = result.Message.Timestamp.UnixTimestampMs;
            first = Math.Min(first, timestamp);
            last = Math.Max(last, timestamp);
            int seq = OutputTrace.Trace(result.Message.Value, log, out _);
            if (seq < 0 || seq >= inputs)
            {
                untraced++;
            }
            else if (!seen[seq])
            {
                seen[seq] = true;
                distinct++;
            }
        }

        consumer.Close();
        return new OutputScan(outputs, distinct, untraced, first, last, dropped);
    }

    /// <summary>Outputs per second from the first output to the last.</summary>
    public double RecordsPerSecond => LastTimestampMs > FirstTimestampMs ? Outputs / ((LastTimestampMs - FirstTimestampMs) / 1000.0) : double.NaN;
}
