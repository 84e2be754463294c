using System.Diagnostics;
using Confluent.Kafka;

namespace StreamRnn.Kafka.Tests.Support;

/// <summary>Confluent.Kafka clients configured for tests against the embedded cluster.</summary>
internal static class Clients
{
    public static IProducer<string, string> Producer(string bootstrapServers, Action<ProducerConfig>? configure = null)
    {
        var config = new ProducerConfig { BootstrapServers = bootstrapServers, LingerMs = 1 };
        configure?.Invoke(config);
        return new ProducerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
    }

    public static IConsumer<string, string> Consumer(string bootstrapServers, string groupId, Action<ConsumerConfig>? configure = null)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
        };
        configure?.Invoke(config);
        return new ConsumerBuilder<string, string>(config).SetLogHandler((_, _) => { }).Build();
    }

    /// <summary>Reads the given partitions from the beginning up to their end, by partition, in offset order.</summary>
    public static Dictionary<int, List<(string Key, string Value)>> ReadAll(string bootstrapServers, string topic, int partitions, TimeSpan timeout)
    {
        using var consumer = Consumer(bootstrapServers, $"reader-{Guid.NewGuid():N}");
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), Offset.Beginning)));
        var result = Enumerable.Range(0, partitions).ToDictionary(p => p, _ => new List<(string, string)>());
        var atEnd = new HashSet<int>();
        long started = Stopwatch.GetTimestamp();
        while (atEnd.Count < partitions)
        {
            var remaining = timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Reading {topic}: only partitions {string.Join(",", atEnd)} reached their end.");
            }

            var record = consumer.Consume(remaining);
            if (record is null)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                atEnd.Add(record.Partition.Value);
                continue;
            }

            atEnd.Remove(record.Partition.Value);
            result[record.Partition.Value].Add((record.Message.Key, record.Message.Value));
        }

        consumer.Close();
        return result;
    }
}
