using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.RestoreBench;

/// <summary>
/// The broker path at a size the embedded broker holds (it keeps at most 5 MiB per partition and drops older data
/// silently, so the partition count is chosen to stay well under that and the watermarks are checked): the changelog
/// a runtime wrote is produced to a real changelog topic over TCP, then restored three ways in one process — straight
/// into a runtime from memory (no broker), read by a bare consumer (the broker's delivery alone), and through
/// <see cref="ChangelogRestorer"/> (what the daemon does on assignment).
/// </summary>
internal static class KafkaRestoreMeasurement
{
    private const long PartitionBudgetBytes = 3L << 20;

    public static KafkaRestoreResult Run(int keys, bool training, int sample)
    {
        var clock = new FixedClock(RestoreMeasurement.Now);
        var definition = RestorePipeline.Create(keys, training);
        var weights = ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed);

        // The record size does not depend on the partition count, so a first small fill tells how many partitions fit.
        int valueBytes = new PipelineRuntime(definition, weights, clock, metrics: null).ChangelogValueBytes;
        int partitions = (int)Math.Max(2, (keys * (valueBytes + 64L) + PartitionBudgetBytes - 1) / PartitionBudgetBytes);
        var source = new PipelineRuntime(definition, weights, clock, metrics: null);
        var changelog = new CapturedChangelog();
        _ = StateFiller.Fill(source, changelog, keys, steps: 4, partitions);
        source.FlushChangelog(changelog);

        using var cluster = EmbeddedKafkaCluster.Start();
        string topic = definition.ChangelogTopic;
        if (!cluster.CreateTopic(topic, partitions))
        {
            throw new InvalidOperationException($"Could not create {topic} on the embedded broker.");
        }

        var options = new StreamProcessorOptions { BootstrapServers = cluster.BootstrapServers, GroupId = "restore-bench" };
        double produceSeconds = Produce(ProcessorClientConfig.Producer(options), topic, changelog);
        long topicBytes = changelog.KeyBytes + changelog.ValueBytes;
        var consumerConfig = ProcessorClientConfig.Consumer(options);
        CheckNothingDropped(consumerConfig, topic, changelog, partitions);

        long started = Stopwatch.GetTimestamp();
        var inMemory = new PipelineRuntime(definition, weights, clock, metrics: null);
        for (int i = 0; i < changelog.Count; i++)
        {
            inMemory.Restore(changelog.PartitionOf(i), changelog.KeyOf(i), changelog.ValueOf(i));
        }

        double inMemorySeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        StateComparison.Check(source, inMemory, keys, partitions, sample);
        double rawSeconds = ConsumeRaw(consumerConfig, topic, partitions, changelog.Count);

        var restored = new PipelineRuntime(definition, weights, clock, metrics: null);
        var requests = new List<ChangelogRestorer.Request>();
        for (int partition = 0; partition < partitions; partition++)
        {
            requests.Add(new ChangelogRestorer.Request(restored, definition, partition));
        }

        started = Stopwatch.GetTimestamp();
        using (var restorer = new ChangelogRestorer(consumerConfig, new PartitionSnapshotStore(""), NullLogger.Instance))
        {
            restorer.Restore(requests, CancellationToken.None);
        }

        double restorerSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        StateComparison.Check(source, restored, keys, partitions, sample);
        return new KafkaRestoreResult(training, keys, partitions, topicBytes, produceSeconds, inMemorySeconds, rawSeconds, restorerSeconds);
    }

    private static double Produce(ProducerConfig config, string topic, CapturedChangelog changelog)
    {
        int failures = 0;
        string? firstError = null;
        long started = Stopwatch.GetTimestamp();
        using (var producer = new ProducerBuilder<byte[], byte[]>(config).Build())
        {
            for (int i = 0; i < changelog.Count; i++)
            {
                var message = new Message<byte[], byte[]> { Key = changelog.KeyOf(i).ToArray(), Value = changelog.ValueOf(i).ToArray() };
                producer.Produce(new TopicPartition(topic, new Partition(changelog.PartitionOf(i))), message, report =>
                {
                    if (report.Error.IsError && Interlocked.Increment(ref failures) == 1)
                    {
                        firstError = report.Error.Reason;
                    }
                });
            }

            if (producer.Flush(TimeSpan.FromMinutes(2)) != 0)
            {
                throw new InvalidOperationException("Producing the changelog did not finish within 2 minutes.");
            }
        }

        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} changelog records failed: {firstError}");
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static void CheckNothingDropped(ConsumerConfig config, string topic, CapturedChangelog changelog, int partitions)
    {
        long[] expected = new long[partitions];
        for (int i = 0; i < changelog.Count; i++)
        {
            expected[changelog.PartitionOf(i)]++;
        }

        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        for (int partition = 0; partition < partitions; partition++)
        {
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, new Partition(partition)), TimeSpan.FromSeconds(10));
            if (watermarks.Low.Value != 0 || watermarks.High.Value != expected[partition])
            {
                throw new InvalidOperationException(
                    $"Partition {partition} holds offsets {watermarks.Low.Value}..{watermarks.High.Value}, expected 0..{expected[partition]}: the broker dropped records.");
            }
        }
    }

    private static double ConsumeRaw(ConsumerConfig baseConfig, string topic, int partitions, int records)
    {
        // As ChangelogRestorer configures and assigns its consumer (explicit offsets from 0), with nothing applied.
        var config = new ConsumerConfig(new Dictionary<string, string>(baseConfig))
        {
            GroupId = baseConfig.GroupId + ".raw",
            EnableAutoCommit = false,
            EnablePartitionEof = false,
            FetchWaitMaxMs = 10,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        long started = Stopwatch.GetTimestamp();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), new Offset(0))));
        int seen = 0;
        long deadline = Stopwatch.GetTimestamp() + 120 * Stopwatch.Frequency;
        while (seen < records)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"The raw consumer read {seen} of {records} records in 2 minutes.");
            }

            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not null)
            {
                seen++;
            }
        }

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        consumer.Close();
        return seconds;
    }
}
