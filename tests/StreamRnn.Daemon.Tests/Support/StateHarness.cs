using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Support;

/// <summary>
/// A daemon-under-test's surroundings for state-safety scenarios: an embedded cluster in this test process reached
/// over TCP, one pipeline, and the checks every scenario ends with (every input predicted; every key's state equal,
/// bit for bit, to an uninterrupted run; the changelog as written).
/// </summary>
internal sealed class StateHarness : IDisposable
{
    public const int Partitions = 4;
    public const string Pipeline = "temps";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    /// <param name="group">The consumer group of the daemons it starts.</param>
    /// <param name="hiddenSize">The LSTM's width.</param>
    /// <param name="layers">The LSTM's depth.</param>
    /// <param name="topicPrefix">Prefix of the input, output and dead-letter topics.</param>
    public StateHarness(string group, int hiddenSize = 8, int layers = 1, string topicPrefix = "state")
    {
        Group = group;
        string json = string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "Name": "temps",
              "InputTopic": "{{topicPrefix}}.temps",
              "OutputTopic": "{{topicPrefix}}.predictions",
              "DeadLetterTopic": "{{topicPrefix}}.dead-letters",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" }, { "Field": "value", "Transform": "Raw" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Lstm", "HiddenSize": {{hiddenSize}}, "Layers": {{layers}}, "Head": "Gaussian", "Seed": 11 }
            }
            """);
        PipelineFile = Scratch.Write("pipelines/temps.json", json);
        Definition = PipelineDefinition.Load(PipelineFile);
        foreach (string? topic in new[] { Definition.InputTopic, Definition.OutputTopic, Definition.DeadLetterTopic, Definition.ChangelogTopic, Definition.ModelTopic })
        {
            Cluster.CreateTopic(topic, Partitions);
        }
    }

    public EmbeddedKafkaCluster Cluster { get; } = EmbeddedKafkaCluster.Start();

    public ScratchDirectory Scratch { get; } = new();

    public PipelineDefinition Definition { get; }

    public string PipelineFile { get; }

    public string Group { get; }

    public DaemonProcess StartDaemon(string instance, params string[] extra) => DaemonProcess.Start(
    [
        $"--Kafka:BootstrapServers={Cluster.BootstrapServers}",
        $"--Kafka:GroupId={Group}",
        "--Kafka:SessionTimeoutMs=6000",
        $"--PipelineFiles={PipelineFile}",
        "--Http:Url=http://127.0.0.1:0",
        TestApiKey.Argument,
        $"--State:Directory={Scratch.Combine("state-" + instance)}",
        "--State:CommitInterval=00:00:00.200",
        "--State:SnapshotInterval=00:00:01",
        .. extra,
    ]);

    public static List<(string Key, string Value)> Series(int keys, int steps, int firstStep)
    {
        var records = new List<(string, string)>();
        for (int step = firstStep; step < firstStep + steps; step++)
        {
            for (int key = 0; key < keys; key++)
            {
                double value = Math.Round(20 + key + 3 * Math.Sin(step * 0.2 + key), 3);
                records.Add(($"sensor-{key}", string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {value}}}")));
            }
        }

        return records;
    }

    public Task ProduceWithKcatAsync(string topic, List<(string Key, string Value)> records, int? partition = null) =>
        Kcat.ProduceAsync(Cluster.BootstrapServers, topic, records, partition, Timeout);

    /// <summary>Waits (bounded) until kcat has read <paramref name="count"/> records of the topic from its beginning.</summary>
    public async Task<List<(string Key, string Headers, string Value)>> ConsumeWithKcatAsync(string topic, int count)
    {
        var lines = await Kcat.ConsumeAsync(Cluster.BootstrapServers, topic, "%k\t%h\t%s\n", count, stopAtEnd: false, Timeout);
        return lines
            .Select(line => line.Split('\t', 3))
            .Select(parts => (parts[0], parts[1], parts[2]))
            .ToList();
    }

    public sealed record Copy(int Partition, long Offset, byte[] Key, byte[] Value);

    /// <summary>Every record of a topic as the broker holds it, per partition in offset order.</summary>
    public List<Copy> ReadTopic(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Cluster.BootstrapServers,
            GroupId = "state-harness-reader",
            EnableAutoCommit = false,
        }).Build();
        var records = new List<Copy>();
        for (int partition = 0; partition < Partitions; partition++)
        {
            var topicPartition = new TopicPartition(topic, partition);
            var watermarks = consumer.QueryWatermarkOffsets(topicPartition, Timeout);
            if (watermarks.High.Value <= watermarks.Low.Value)
            {
                continue;
            }

            consumer.Assign(new TopicPartitionOffset(topicPartition, Offset.Beginning));
            while (true)
            {
                var result = consumer.Consume(Timeout) ?? throw new TimeoutException($"partition {partition} not read to {watermarks.High}");
                records.Add(new Copy(partition, result.Offset.Value, result.Message.Key ?? [], result.Message.Value ?? []));
                if (result.Offset.Value + 1 >= watermarks.High.Value)
                {
                    break;
                }
            }
        }

        return records;
    }

    public List<Copy> ReadInput() => ReadTopic(Definition.InputTopic);

    /// <summary>Waits until the output topic holds a prediction for every input record (by source partition and offset).</summary>
    public void WaitForEveryInputToBePredicted(List<Copy> inputs, Func<string>? diagnostics = null)
    {
        var wanted = inputs.Select(r => (r.Partition, r.Offset)).ToHashSet();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = Cluster.BootstrapServers,
            GroupId = "state-predictions-" + Guid.NewGuid(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(Definition.OutputTopic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + Timeout;
        while (wanted.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"{wanted.Count} input records never got a prediction, e.g. {string.Join(", ", wanted.Take(5))}\n{diagnostics?.Invoke()}");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null)
            {
                var source = JsonDocument.Parse(result.Message.Value).RootElement.GetProperty("source");
                wanted.Remove((source.GetProperty("partition").GetInt32(), source.GetProperty("offset").GetInt64()));
            }
        }
    }

    /// <summary>
    /// Feeds the same records one at a time, never stopping, through the same engine, and compares every key's hidden
    /// state with the one the instance reports over HTTP.
    /// </summary>
    public async Task AssertStatesEqualUninterruptedRunAsync(List<Copy> inputs, params Uri[] instances)
    {
        var reference = new PipelineRuntime(Definition, ModelWeights.Initialize(Definition.CreateShape(), Definition.Model.Seed), TimeProvider.System, metrics: null);
        var sink = new DiscardingSink();
        foreach (var record in inputs.OrderBy(r => r.Partition).ThenBy(r => r.Offset))
        {
            reference.Process([new InputRecord(record.Partition, record.Offset, 0, record.Key, record.Value)], sink);
        }

        using var http = TestApiKey.Client();
        foreach (string? key in inputs.Select(r => Encoding.UTF8.GetString(r.Key)).Distinct())
        {
            var expected = reference.QueryKey(key) ?? throw new InvalidOperationException($"reference has no key {key}");
            JsonElement? found = null;
            foreach (var instance in instances)
            {
                var response = await http.GetAsync(new Uri(instance, $"/pipelines/{Pipeline}/keys/{key}"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    found = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                }
            }

            Assert.True(found is not null, instances.Length == 1 ? $"the instance does not hold key {key}" : $"no instance holds key {key}");
            var held = found.Value;
            Assert.Equal(expected.LastAppliedOffset, held.GetProperty("lastAppliedOffset").GetInt64());
            Assert.Equal(expected.Steps, held.GetProperty("steps").GetInt64());
            float[] state = held.GetProperty("hiddenState").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(expected.HiddenState.Length, state.Length);
            for (int i = 0; i < state.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected.HiddenState[i]) == BitConverter.SingleToInt32Bits(state[i]),
                    $"key {key}, state[{i}]: expected {expected.HiddenState[i]:R}, instance holds {state[i]:R}");
            }
        }
    }

    /// <summary>How many keys (of <paramref name="keys"/> sensor-0…) the instance holds.</summary>
    public static async Task<int> KeysHeldAsync(Uri instance, int keys)
    {
        using var http = TestApiKey.Client();
        int held = 0;
        for (int key = 0; key < keys; key++)
        {
            var response = await http.GetAsync(new Uri(instance, $"/pipelines/{Pipeline}/keys/sensor-{key}"));
            held += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        return held;
    }

    /// <summary>Polls a metric until the sum of its samples reaches <paramref name="minimum"/>.</summary>
    public static async Task WaitForMetricAsync(Uri address, string metric, double minimum)
    {
        double total = 0;
        await Wait.UntilAsync(async () => (total = await MetricAsync(address, metric)) >= minimum, Timeout, $"{metric} ≥ {minimum}",
            () => $"{metric} stayed at {total}");
    }

    /// <summary>Polls /readyz until it reports <paramref name="ready"/>; returns the body.</summary>
    public static async Task<string> WaitForReadinessAsync(Uri address, bool ready)
    {
        using var http = TestApiKey.Client();
        string body = "";
        await Wait.UntilAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri(address, "/readyz"));
                body = await response.Content.ReadAsStringAsync();
                return (response.StatusCode == HttpStatusCode.OK) == ready;
            },
            Timeout, $"/readyz to become {(ready ? "ready" : "not ready")}", () => body, poll: TimeSpan.FromMilliseconds(100));
        return body;
    }

    /// <summary>The sum of a metric's samples whose label set contains <paramref name="labels"/> (e.g. reason="x").</summary>
    public static Task<double> MetricAsync(Uri address, string metric, string labels = "") => MetricAsync(MetricsClient, address, metric, labels);

    /// <summary>The same through <paramref name="http"/>: the one /metrics reader of the end-to-end tests.</summary>
    public static async Task<double> MetricAsync(HttpClient http, Uri address, string metric, string labels = "")
    {
        string text = await http.GetStringAsync(new Uri(address, "/metrics"));
        return text.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Where(line => labels.Length == 0 || line.Contains(labels, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    // /metrics needs no key; one client for every poll instead of a connection per request.
    private static readonly HttpClient MetricsClient = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The applied input offset a changelog value claims (bytes 48..56 of the key state format).</summary>
    public static long AppliedOffsetOf(byte[] value) => BinaryPrimitives.ReadInt64LittleEndian(value.AsSpan(48));

    private sealed class DiscardingSink : IRecordSink
    {
        public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
        {
        }

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
        Cluster.Dispose();
        Scratch.Dispose();
    }
}
