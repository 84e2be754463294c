using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Kafka.Tests.Processing;

/// <summary>
/// The consumer loop against the embedded broker over real TCP: predictions per key in offset order, dead letters
/// with reasons, and a restart that restores every key's state from the changelog (and snapshots) so that it
/// continues exactly as an uninterrupted run would.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StreamProcessorTests : IDisposable
{
    private const int Partitions = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("streamrnn-processor-").FullName;
    private readonly PipelineDefinition _definition;

    public StreamProcessorTests()
    {
        _definition = PipelineDefinition.Parse("""
            {
              "Name": "temps",
              "InputTopic": "sensors.temps",
              "OutputTopic": "predictions.temps",
              "DeadLetterTopic": "dead.temps",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Lstm", "HiddenSize": 8, "Layers": 1, "Head": "Gaussian", "Seed": 7 }
            }
            """u8);
        foreach (string? topic in new[] { _definition.InputTopic, _definition.OutputTopic, _definition.DeadLetterTopic, _definition.ChangelogTopic })
        {
            _cluster.CreateTopic(topic, Partitions);
        }
    }

    [Fact]
    public async Task Predictions_come_back_per_key_in_offset_order_and_bad_records_are_dead_lettered()
    {
        var records = Series(keys: 6, perKey: 40, startStep: 0);
        records.Insert(17, ("sensor-2", "{not json"));
        records.Insert(33, ("sensor-4", """{"ts": 1000, "value": "abc"}"""));
        Produce(records);

        using var processor = StartProcessor();
        var predictions = ConsumeUntil(_definition.OutputTopic, 6 * 40);
        var deadLetters = ConsumeUntil(_definition.DeadLetterTopic, 2);
        await processor.StopAsync().WaitAsync(Timeout);

        Assert.Equal(6 * 40, predictions.Count);
        foreach (var group in predictions.GroupBy(p => p.Key))
        {
            var offsets = group.Select(p => p.Offset).ToList();
            Assert.Equal(offsets.Order().ToList(), offsets);
            Assert.Equal(40, offsets.Count);
            Assert.All(group, p => Assert.Equal("temps", p.Pipeline));
        }

        Assert.Equal(new[] { "MalformedJson", "WrongType" }, deadLetters.Select(d => d.Reason!).Order().ToArray());
        Assert.Contains(deadLetters, d => d.Value == "{not json");
        Assert.Null(processor.Outputs.FirstFailure);
        Assert.Equal(0, processor.Outputs.InFlight);
    }

    [Fact]
    public async Task A_restarted_processor_continues_every_key_exactly_as_an_uninterrupted_run()
    {
        var first = Series(keys: 5, perKey: 30, startStep: 0);
        var second = Series(keys: 5, perKey: 30, startStep: 30);

        // Reference: the same records through one runtime in memory, never stopped.
        var reference = new PipelineRuntime(_definition, Weights(), TimeProvider.System, metrics: null);
        var referenceSink = new RecordingSink();
        var offsets = new Dictionary<int, long>();
        foreach (var (key, value) in first.Concat(second))
        {
            int partition = PartitionOf(key);
            long offset = offsets.GetValueOrDefault(partition);
            offsets[partition] = offset + 1;
            reference.Process([new InputRecord(partition, offset, 0, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value))], referenceSink);
        }

        Produce(first);
        using (var processor = StartProcessor())
        {
            ConsumeUntil(_definition.OutputTopic, first.Count);
            await processor.StopAsync().WaitAsync(Timeout);
        }

        // Half the partitions restart from their local snapshot, the others from the changelog alone.
        File.Delete(new PartitionSnapshotStore(_stateDirectory).PathOf(_definition.Name, 0));
        Produce(second);
        using (var processor = StartProcessor())
        {
            var predictions = ConsumeUntil(_definition.OutputTopic, first.Count + second.Count);
            await processor.StopAsync().WaitAsync(Timeout);

            var lastByKey = predictions.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.MaxBy(p => p.Offset)!.Json);
            foreach (var (key, json) in lastByKey)
            {
                Assert.Equal(referenceSink.LastPrediction[key], json, JsonSemantics);
            }
        }
    }

    [Fact]
    public async Task Fetching_pauses_while_outputs_wait_for_acknowledgement_and_nothing_is_lost()
    {
        // A slow broker (200 ms per request) lets unacknowledged outputs pile up past the bound.
        var records = Series(keys: 20, perKey: 50, startStep: 0);
        Produce(records);
        _cluster.SetBrokerRtt(1, TimeSpan.FromMilliseconds(200));

        using var processor = StartProcessor(maxInFlightOutputs: 100);
        var predictions = ConsumeUntil(_definition.OutputTopic, records.Count);
        await processor.StopAsync().WaitAsync(Timeout);

        Assert.True(processor.BackpressurePauses > 0, "fetching never paused");
        Assert.Equal(records.Count, predictions.Select(p => (p.Key, p.Offset)).Distinct().Count());
        Assert.Null(processor.Outputs.FirstFailure);
    }

    private static readonly IEqualityComparer<string> JsonSemantics = new PredictionComparer();

    /// <summary>Two predictions agree when everything but the wall-clock latency is equal, numbers bit for bit.</summary>
    private sealed class PredictionComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) => Strip(x) == Strip(y);

        public int GetHashCode(string obj) => Strip(obj).GetHashCode(StringComparison.Ordinal);

        private static string Strip(string? json)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(json!)!.AsObject();
            node.Remove("latency_ms");
            return node.ToJsonString();
        }
    }

    private StreamProcessor StartProcessor(int maxInFlightOutputs = 200_000)
    {
        var runtime = new PipelineRuntime(_definition, Weights(), TimeProvider.System, metrics: null);
        var options = new StreamProcessorOptions
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "processor-tests",
            StateDirectory = _stateDirectory,
            CommitInterval = TimeSpan.FromMilliseconds(200),
            SnapshotInterval = TimeSpan.Zero,
            MaxInFlightOutputs = maxInFlightOutputs,
        };
        var processor = new StreamProcessor(options, [runtime], NullLogger<StreamProcessor>.Instance);
        processor.Start();
        return processor;
    }

    private ModelWeights Weights() => ModelWeights.Initialize(_definition.CreateShape(), _definition.Model.Seed);

    private static List<(string Key, string Value)> Series(int keys, int perKey, int startStep)
    {
        var records = new List<(string, string)>();
        for (int step = startStep; step < startStep + perKey; step++)
        {
            for (int key = 0; key < keys; key++)
            {
                double value = 20 + key + Math.Sin(step * 0.3 + key) * 3;
                records.Add(($"sensor-{key}", JsonSerializer.Serialize(new { ts = 1_700_000_000_000L + step * 1000L, value })));
            }
        }

        return records;
    }

    /// <summary>Keys go to partitions by a fixed rule, so the in-memory reference sees the same offsets as the broker.</summary>
    private static int PartitionOf(string key) => int.Parse(key.AsSpan(key.LastIndexOf('-') + 1), provider: null) % Partitions;

    private void Produce(List<(string Key, string Value)> records)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, EnableIdempotence = true }).Build();
        foreach (var (key, value) in records)
        {
            producer.Produce(new TopicPartition(_definition.InputTopic, new Partition(PartitionOf(key))), new Message<string, string> { Key = key, Value = value });
        }

        Assert.Equal(0, producer.Flush(Timeout));
    }

    private sealed record Output(string Key, string Json, string Pipeline, long Offset, string? Reason, string Value);

    private List<Output> ConsumeUntil(string topic, int count)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var outputs = new List<Output>();
        var deadline = DateTime.UtcNow + Timeout;
        while (outputs.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {outputs.Count} of {count} records arrived on {topic}");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            var reasonHeader = result.Message.Headers?.FirstOrDefault(h => h.Key == KafkaRecordSink.ReasonHeader);
            string? reason = reasonHeader is null ? null : Encoding.UTF8.GetString(reasonHeader.GetValueBytes());
            string pipeline = "";
            long offset = -1;
            if (reason is null)
            {
                using var document = JsonDocument.Parse(result.Message.Value);
                pipeline = document.RootElement.GetProperty("pipeline").GetString()!;
                offset = document.RootElement.GetProperty("source").GetProperty("offset").GetInt64();
            }

            outputs.Add(new Output(result.Message.Key, result.Message.Value, pipeline, offset, reason, result.Message.Value));
        }

        return outputs;
    }

    /// <summary>Keeps each key's latest prediction.</summary>
    private sealed class RecordingSink : IRecordSink
    {
        public Dictionary<string, string> LastPrediction { get; } = [];

        public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
            => LastPrediction[Encoding.UTF8.GetString(key)] = Encoding.UTF8.GetString(json);

        public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
        {
        }

        public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
        {
        }

        public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
        }
    }

    public void Dispose()
    {
        _cluster.Dispose();
        Directory.Delete(_stateDirectory, recursive: true);
    }
}
