using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Engine;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The daemon as a process against a broker it does not own (an embedded cluster in this test process, reached over
/// TCP), driven from outside with kcat: predictions per key in order, dead letters with reasons, kill -9 in the middle
/// of a stream, and a second instance taking over a killed one's partitions. After each, every key's hidden state must
/// equal, bit for bit, the state of an uninterrupted run over the same records.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class DurabilityTests : IDisposable
{
    private const int Partitions = 4;
    private const string Pipeline = "temps";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.Start();
    private readonly ScratchDirectory scratch = new();
    private readonly PipelineDefinition definition;
    private readonly string pipelineFile;

    public DurabilityTests()
    {
        const string json = """
            {
              "Name": "temps",
              "InputTopic": "e2e.temps",
              "OutputTopic": "e2e.predictions",
              "DeadLetterTopic": "e2e.dead-letters",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" }, { "Field": "value", "Transform": "Raw" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Lstm", "HiddenSize": 16, "Layers": 2, "Head": "Gaussian", "Seed": 11 }
            }
            """;
        pipelineFile = scratch.Write("pipelines/temps.json", json);
        definition = PipelineDefinition.Load(pipelineFile);
        foreach (var topic in new[] { definition.InputTopic, definition.OutputTopic, definition.DeadLetterTopic, definition.ChangelogTopic, definition.ModelTopic })
        {
            cluster.CreateTopic(topic, Partitions);
        }
    }

    [Fact]
    public async Task Records_produced_with_kcat_come_back_as_predictions_per_key_in_order_and_bad_ones_as_dead_letters()
    {
        await using var daemon = StartDaemon("a");
        var records = Series(keys: 5, steps: 40, firstStep: 0);
        records.Insert(50, ("sensor-3", "{\"ts\": 1700000000000, \"value\": \"warm\"}"));
        records.Insert(90, ("sensor-1", "{\"ts\": 17000"));
        await ProduceWithKcatAsync(records);

        var predictions = (await ConsumeWithKcatAsync(definition.OutputTopic, 200))
            .Select(r => Prediction.Parse(r.Key + "\t" + r.Value)).ToList();
        Assert.Equal(200, predictions.Count);
        foreach (var group in predictions.GroupBy(p => p.Key))
        {
            Assert.Equal(40, group.Count());
            var offsets = group.Select(p => p.SourceOffset).ToList();
            Assert.Equal(offsets.Order(), offsets);
            Assert.All(group, p =>
            {
                Assert.Equal(Pipeline, p.Pipeline);
                Assert.Equal(p.Key, p.JsonKey);
                Assert.Equal(1, p.ModelVersion);
                Assert.True(double.IsFinite(p.Mean) && p.StandardDeviation > 0, p.Json);
            });
        }

        var deadLetters = await ConsumeWithKcatAsync(definition.DeadLetterTopic, 2);
        Assert.Contains(deadLetters, d => d.Key == "sensor-3" && d.Headers.Contains("streamrnn.reason=WrongType", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Key == "sensor-1" && d.Headers.Contains("streamrnn.reason=MalformedJson", StringComparison.Ordinal)
            && d.Value == "{\"ts\": 17000");
    }

    [Fact]
    public async Task Poison_records_produced_with_kcat_are_dead_lettered_with_their_reason_and_every_key_keeps_going()
    {
        // Each of these once stopped the daemon or poisoned its key: a lone UTF-16 surrogate in a property name (the
        // JSON reader throws InvalidOperationException, not JsonException), a finite value whose square overflows the
        // running variance, and a timestamp in the year 9999 (the key's clock would have frozen every later record).
        await using var daemon = StartDaemon("poison");
        var records = Series(keys: 3, steps: 20, firstStep: 0);
        records.Insert(10, ("sensor-1", "{\"ts\": 1700000003500, \"\\ud800\": 1, \"value\": 21}"));
        records.Insert(20, ("sensor-2", "{\"ts\": 1700000006500, \"value\": 1e200}"));
        records.Insert(30, ("sensor-0", "{\"ts\": 253370764800000, \"value\": 20}"));
        // A key with a '/' (ward/bed): it must be predicted like any other and be queryable over HTTP.
        records.AddRange(Enumerable.Range(0, 20).Select(step => ("ward-3/bed-7",
            string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {21 + 0.1 * step}}}"))));
        await ProduceWithKcatAsync(records);

        var predictions = (await ConsumeWithKcatAsync(definition.OutputTopic, 80))
            .Select(r => Prediction.Parse(r.Key + "\t" + r.Value)).ToList();
        Assert.Equal(80, predictions.Count);
        Assert.All(predictions.GroupBy(p => p.Key), g => Assert.Equal(20, g.Count()));
        Assert.All(predictions, p => Assert.True(double.IsFinite(p.Mean) && p.StandardDeviation > 0, p.Json));

        var deadLetters = await ConsumeWithKcatAsync(definition.DeadLetterTopic, 3);
        Assert.Contains(deadLetters, d => d.Key == "sensor-1" && d.Headers.Contains("streamrnn.reason=DecodeError", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Key == "sensor-2" && d.Headers.Contains("streamrnn.reason=NonFiniteValue", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Key == "sensor-0" && d.Headers.Contains("streamrnn.reason=FutureTimestamp", StringComparison.Ordinal)
            && d.Value == "{\"ts\": 253370764800000, \"value\": 20}");
        Assert.False(daemon.HasExited, "the daemon stopped on a poison record");

        var address = await daemon.WaitForHttpAsync(Timeout);
        using var http = TestApiKey.Client();
        foreach (var path in new[] { "ward-3%2Fbed-7", "ward-3/bed-7" })
        {
            using var response = await http.GetAsync(new Uri(address, $"/pipelines/{Pipeline}/keys/{path}"));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            using var held = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("ward-3/bed-7", held.RootElement.GetProperty("key").GetString());
        }
    }

    [Fact]
    public async Task After_kill_9_mid_stream_no_input_is_skipped_and_every_state_equals_an_uninterrupted_run()
    {
        var first = Series(keys: 6, steps: 150, firstStep: 0);
        var second = Series(keys: 6, steps: 50, firstStep: 150);
        await ProduceWithKcatAsync(first);

        await using var daemon = StartDaemon("a");
        var address = await daemon.WaitForHttpAsync(Timeout);
        await WaitForMetricAsync(address, "streamrnn_records_consumed_total", minimum: 300);
        await daemon.DisposeAsync(); // SIGKILL: no flush, no commit, no goodbye to the group

        await ProduceWithKcatAsync(second);
        await using var restarted = StartDaemon("a");
        var restartedAddress = await restarted.WaitForHttpAsync(Timeout);

        var inputs = ReadInput();
        Assert.Equal(first.Count + second.Count, inputs.Count);
        await WaitForEveryInputToBePredictedAsync(inputs);
        await AssertStatesEqualUninterruptedRunAsync(inputs, [restartedAddress]);
    }

    [Fact]
    public async Task When_one_of_two_instances_is_killed_the_other_continues_its_keys_from_their_restored_state()
    {
        var first = Series(keys: 8, steps: 60, firstStep: 0);
        var second = Series(keys: 8, steps: 40, firstStep: 60);
        await using var one = StartDaemon("one");
        await using var two = StartDaemon("two");
        var oneAddress = await one.WaitForHttpAsync(Timeout);
        var twoAddress = await two.WaitForHttpAsync(Timeout);
        await ProduceWithKcatAsync(first);
        await WaitForEveryInputToBePredictedAsync(ReadInput());

        // The group splits the partitions between the two (cooperative rebalancing takes a few seconds on the
        // embedded broker): wait until each holds keys, restored from the other's changelog where they moved.
        var deadline = DateTime.UtcNow + Timeout;
        while ((await KeysHeldAsync(oneAddress)).Count == 0 || (await KeysHeldAsync(twoAddress)).Count == 0)
        {
            Assert.False(one.HasExited, one.Transcript);
            Assert.True(DateTime.UtcNow < deadline, "the two instances never split the keys between them");
            await Task.Delay(100);
        }

        Assert.Equal(8, (await KeysHeldAsync(oneAddress)).Count + (await KeysHeldAsync(twoAddress)).Count);

        await one.DisposeAsync(); // SIGKILL
        await ProduceWithKcatAsync(second);
        var inputs = ReadInput();
        await WaitForEveryInputToBePredictedAsync(inputs);

        // The survivor now holds every key, and the moved ones carry on from their restored state, not from zeros.
        Assert.Equal(8, (await KeysHeldAsync(twoAddress)).Count);
        await AssertStatesEqualUninterruptedRunAsync(inputs, [twoAddress]);
    }

    [Fact]
    public async Task Readiness_turns_red_with_a_reason_while_the_broker_is_down_and_green_when_it_returns()
    {
        await using var daemon = StartDaemon("health");
        var address = await daemon.WaitForHttpAsync(Timeout);
        await WaitForReadinessAsync(address, ready: true);

        cluster.SetBrokerDown(1);
        var down = await WaitForReadinessAsync(address, ready: false);
        Assert.Contains("broker unreachable", down, StringComparison.Ordinal);

        cluster.SetBrokerUp(1);
        await WaitForReadinessAsync(address, ready: true);

        // And it still works: records produced after the outage are predicted.
        var records = Series(keys: 2, steps: 5, firstStep: 0);
        await ProduceWithKcatAsync(records);
        await WaitForEveryInputToBePredictedAsync(ReadInput());
    }

    /// <summary>Polls /readyz until it reports <paramref name="ready"/>; returns the body.</summary>
    private static async Task<string> WaitForReadinessAsync(Uri address, bool ready)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var response = await http.GetAsync(new Uri(address, "/readyz"));
            var body = await response.Content.ReadAsStringAsync();
            if ((response.StatusCode == HttpStatusCode.OK) == ready)
            {
                return body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"/readyz never became {(ready ? "ready" : "not ready")}: {body}");
            await Task.Delay(100);
        }
    }

    private DaemonProcess StartDaemon(string instance) => DaemonProcess.Start(
    [
        $"--Kafka:BootstrapServers={cluster.BootstrapServers}",
        "--Kafka:GroupId=durability",
        "--Kafka:SessionTimeoutMs=6000",
        $"--PipelineFiles={pipelineFile}",
        "--Http:Url=http://127.0.0.1:0",
        TestApiKey.Argument,
        $"--State:Directory={scratch.Combine("state-" + instance)}",
        "--State:CommitInterval=00:00:00.200",
        "--State:SnapshotInterval=00:00:01",
    ]);

    private static List<(string Key, string Value)> Series(int keys, int steps, int firstStep)
    {
        var records = new List<(string, string)>();
        for (var step = firstStep; step < firstStep + steps; step++)
        {
            for (var key = 0; key < keys; key++)
            {
                var value = Math.Round(20 + key + 3 * Math.Sin(step * 0.2 + key), 3);
                records.Add(($"sensor-{key}", string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {value}}}")));
            }
        }

        return records;
    }

    private async Task ProduceWithKcatAsync(List<(string Key, string Value)> records)
    {
        var input = new StringBuilder();
        foreach (var (key, value) in records)
        {
            input.Append(key).Append('\t').Append(value).Append('\n');
        }

        var result = await ToolRun.RunAsync(ToolRun.Require("kcat", "kcat"),
            ["-b", cluster.BootstrapServers, "-P", "-t", definition.InputTopic, "-K", "\t", "-z", "none"], Timeout, input.ToString());
        Assert.True(result.ExitCode == 0, $"kcat -P failed ({result.ExitCode}): {result.Error}");
    }

    /// <summary>Waits (bounded) until kcat has read <paramref name="count"/> records of the topic from its beginning.</summary>
    private async Task<List<(string Key, string Headers, string Value)>> ConsumeWithKcatAsync(string topic, int count)
    {
        var result = await ToolRun.RunAsync(ToolRun.Require("kcat", "kcat"),
            ["-b", cluster.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-c", count.ToString(CultureInfo.InvariantCulture), "-q", "-f", "%k\t%h\t%s\n"],
            Timeout);
        Assert.True(result.ExitCode == 0, $"kcat -C failed ({result.ExitCode}): {result.Error}");
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t', 3))
            .Select(parts => (parts[0], parts[1], parts[2]))
            .ToList();
    }

    private sealed record InputRecordCopy(int Partition, long Offset, byte[] Key, byte[] Value);

    /// <summary>The input topic as the broker holds it: every record with its partition and offset.</summary>
    private List<InputRecordCopy> ReadInput()
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "durability-reader",
            EnableAutoCommit = false,
        }).Build();
        var records = new List<InputRecordCopy>();
        for (var partition = 0; partition < Partitions; partition++)
        {
            var topicPartition = new TopicPartition(definition.InputTopic, partition);
            var end = consumer.QueryWatermarkOffsets(topicPartition, Timeout).High.Value;
            if (end == 0)
            {
                continue;
            }

            consumer.Assign(new TopicPartitionOffset(topicPartition, Offset.Beginning));
            while (true)
            {
                var result = consumer.Consume(Timeout) ?? throw new TimeoutException($"partition {partition} not read to {end}");
                records.Add(new InputRecordCopy(partition, result.Offset.Value, result.Message.Key, result.Message.Value));
                if (result.Offset.Value + 1 >= end)
                {
                    break;
                }
            }
        }

        return records;
    }

    /// <summary>Waits until the output topic holds a prediction for every input record (by its source partition and offset).</summary>
    private async Task WaitForEveryInputToBePredictedAsync(List<InputRecordCopy> inputs)
    {
        var wanted = inputs.Select(r => (r.Partition, r.Offset)).ToHashSet();
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "durability-predictions-" + Guid.NewGuid(),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(definition.OutputTopic, p, Offset.Beginning)));
        var deadline = DateTime.UtcNow + Timeout;
        while (wanted.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{wanted.Count} input records never got a prediction, e.g. {string.Join(", ", wanted.Take(5))}");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is not null)
            {
                var prediction = Prediction.Parse(result.Message.Key + "\t" + result.Message.Value);
                wanted.Remove((prediction.SourcePartition, prediction.SourceOffset));
            }
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// Feeds the same records one at a time, never stopping, through the same engine, and compares every key's
    /// hidden state with the one an instance reports over HTTP.
    /// </summary>
    private async Task AssertStatesEqualUninterruptedRunAsync(List<InputRecordCopy> inputs, Uri[] instances)
    {
        var reference = new PipelineRuntime(definition, ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed), TimeProvider.System, metrics: null);
        var sink = new DiscardingSink();
        foreach (var record in inputs.OrderBy(r => r.Partition).ThenBy(r => r.Offset))
        {
            reference.Process([new InputRecord(record.Partition, record.Offset, 0, record.Key, record.Value)], sink);
        }

        using var http = TestApiKey.Client();
        foreach (var key in inputs.Select(r => Encoding.UTF8.GetString(r.Key)).Distinct())
        {
            var expected = reference.QueryKey(key) ?? throw new InvalidOperationException($"reference has no key {key}");
            JsonElement? held = null;
            foreach (var instance in instances)
            {
                var response = await http.GetAsync(new Uri(instance, $"/pipelines/{Pipeline}/keys/{key}"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    held = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                }
            }

            Assert.True(held is not null, $"no instance holds key {key}");
            Assert.Equal(expected.LastAppliedOffset, held.Value.GetProperty("lastAppliedOffset").GetInt64());
            var state = held.Value.GetProperty("hiddenState").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(expected.HiddenState.Length, state.Length);
            for (var i = 0; i < state.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected.HiddenState[i]) == BitConverter.SingleToInt32Bits(state[i]),
                    $"key {key}, state[{i}]: expected {expected.HiddenState[i]:R}, instance holds {state[i]:R}");
            }
        }
    }

    private static async Task<HashSet<string>> KeysHeldAsync(Uri instance)
    {
        using var http = TestApiKey.Client();
        var held = new HashSet<string>();
        for (var key = 0; key < 8; key++)
        {
            var response = await http.GetAsync(new Uri(instance, $"/pipelines/{Pipeline}/keys/sensor-{key}"));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                held.Add($"sensor-{key}");
            }
        }

        return held;
    }

    private static async Task WaitForMetricAsync(Uri address, string metric, double minimum)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var text = await http.GetStringAsync(new Uri(address, "/metrics"));
            var total = text.Split('\n')
                .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal))
                .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            if (total >= minimum)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{metric} stayed at {total} < {minimum}");
            await Task.Delay(50);
        }
    }

    private sealed record Prediction(string Key, string Json, string JsonKey, string Pipeline, long ModelVersion, int SourcePartition, long SourceOffset, double Mean, double StandardDeviation)
    {
        public static Prediction Parse(string line)
        {
            var tab = line.IndexOf('\t');
            var json = line[(tab + 1)..];
            var root = JsonDocument.Parse(json).RootElement;
            var source = root.GetProperty("source");
            return new Prediction(line[..tab], json, root.GetProperty("key").GetString()!, root.GetProperty("pipeline").GetString()!,
                root.GetProperty("model_version").GetInt64(), source.GetProperty("partition").GetInt32(), source.GetProperty("offset").GetInt64(),
                root.GetProperty("mean").GetDouble(), root.GetProperty("stddev").GetDouble());
        }
    }

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
        cluster.Dispose();
        scratch.Dispose();
    }
}
