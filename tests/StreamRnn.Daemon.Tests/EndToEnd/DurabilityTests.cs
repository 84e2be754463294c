using System.Globalization;
using System.Net;
using System.Text.Json;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;

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
    private const string Pipeline = StateHarness.Pipeline;
    private static readonly TimeSpan Timeout = StateHarness.Timeout;
    private readonly StateHarness _harness = new("durability", hiddenSize: 16, layers: 2, topicPrefix: "e2e");

    private PipelineDefinition Definition => _harness.Definition;

    [Fact]
    public async Task Records_produced_with_kcat_come_back_as_predictions_per_key_in_order_and_bad_ones_as_dead_letters()
    {
        await using var daemon = StartDaemon("a");
        var records = Series(keys: 5, steps: 40, firstStep: 0);
        records.Insert(50, ("sensor-3", "{\"ts\": 1700000000000, \"value\": \"warm\"}"));
        records.Insert(90, ("sensor-1", "{\"ts\": 17000"));
        await ProduceWithKcatAsync(records);

        var predictions = (await ConsumeWithKcatAsync(Definition.OutputTopic, 200))
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

        var deadLetters = await ConsumeWithKcatAsync(Definition.DeadLetterTopic, 2);
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

        var predictions = (await ConsumeWithKcatAsync(Definition.OutputTopic, 80))
            .Select(r => Prediction.Parse(r.Key + "\t" + r.Value)).ToList();
        Assert.Equal(80, predictions.Count);
        Assert.All(predictions.GroupBy(p => p.Key), g => Assert.Equal(20, g.Count()));
        Assert.All(predictions, p => Assert.True(double.IsFinite(p.Mean) && p.StandardDeviation > 0, p.Json));

        var deadLetters = await ConsumeWithKcatAsync(Definition.DeadLetterTopic, 3);
        Assert.Contains(deadLetters, d => d.Key == "sensor-1" && d.Headers.Contains("streamrnn.reason=DecodeError", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Key == "sensor-2" && d.Headers.Contains("streamrnn.reason=NonFiniteValue", StringComparison.Ordinal));
        Assert.Contains(deadLetters, d => d.Key == "sensor-0" && d.Headers.Contains("streamrnn.reason=FutureTimestamp", StringComparison.Ordinal)
            && d.Value == "{\"ts\": 253370764800000, \"value\": 20}");
        Assert.False(daemon.HasExited, "the daemon stopped on a poison record");

        var address = await daemon.WaitForHttpAsync(Timeout);
        using var http = TestApiKey.Client();
        foreach (string? path in new[] { "ward-3%2Fbed-7", "ward-3/bed-7" })
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
        await StateHarness.WaitForMetricAsync(address, "streamrnn_records_consumed_total", minimum: 300);
        await daemon.DisposeAsync(); // SIGKILL: no flush, no commit, no goodbye to the group

        await ProduceWithKcatAsync(second);
        await using var restarted = StartDaemon("a");
        var restartedAddress = await restarted.WaitForHttpAsync(Timeout);

        var inputs = ReadInput();
        Assert.Equal(first.Count + second.Count, inputs.Count);
        WaitForEveryInputToBePredicted(inputs);
        await _harness.AssertStatesEqualUninterruptedRunAsync(inputs, restartedAddress);
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
        WaitForEveryInputToBePredicted(ReadInput());

        // The group splits the partitions between the two (cooperative rebalancing takes a few seconds on the
        // embedded broker): wait until each holds keys, restored from the other's changelog where they moved.
        await Wait.UntilAsync(
            async () => await StateHarness.KeysHeldAsync(oneAddress, 8) > 0 && await StateHarness.KeysHeldAsync(twoAddress, 8) > 0,
            Timeout, "the two instances to split the keys between them", () => one.Transcript,
            () => one.HasExited ? "instance one exited" : null, TimeSpan.FromMilliseconds(100));

        Assert.Equal(8, await StateHarness.KeysHeldAsync(oneAddress, 8) + await StateHarness.KeysHeldAsync(twoAddress, 8));

        await one.DisposeAsync(); // SIGKILL
        await ProduceWithKcatAsync(second);
        var inputs = ReadInput();
        WaitForEveryInputToBePredicted(inputs);

        // The survivor now holds every key, and the moved ones carry on from their restored state, not from zeros.
        Assert.Equal(8, await StateHarness.KeysHeldAsync(twoAddress, 8));
        await _harness.AssertStatesEqualUninterruptedRunAsync(inputs, twoAddress);
    }

    [Fact]
    public async Task Readiness_turns_red_with_a_reason_while_the_broker_is_down_and_green_when_it_returns()
    {
        await using var daemon = StartDaemon("health");
        var address = await daemon.WaitForHttpAsync(Timeout);
        await StateHarness.WaitForReadinessAsync(address, ready: true);

        _harness.Cluster.SetBrokerDown(1);
        string down = await StateHarness.WaitForReadinessAsync(address, ready: false);
        Assert.Contains("broker unreachable", down, StringComparison.Ordinal);

        _harness.Cluster.SetBrokerUp(1);
        await StateHarness.WaitForReadinessAsync(address, ready: true);

        // And it still works: records produced after the outage are predicted.
        var records = Series(keys: 2, steps: 5, firstStep: 0);
        await ProduceWithKcatAsync(records);
        WaitForEveryInputToBePredicted(ReadInput());
    }

    private DaemonProcess StartDaemon(string instance) => _harness.StartDaemon(instance);

    private static List<(string Key, string Value)> Series(int keys, int steps, int firstStep) => StateHarness.Series(keys, steps, firstStep);

    private Task ProduceWithKcatAsync(List<(string Key, string Value)> records) => _harness.ProduceWithKcatAsync(Definition.InputTopic, records);

    private Task<List<(string Key, string Headers, string Value)>> ConsumeWithKcatAsync(string topic, int count) =>
        _harness.ConsumeWithKcatAsync(topic, count);

    private List<StateHarness.Copy> ReadInput() => _harness.ReadInput();

    private void WaitForEveryInputToBePredicted(List<StateHarness.Copy> inputs) => _harness.WaitForEveryInputToBePredicted(inputs);

    private sealed record Prediction(string Key, string Json, string JsonKey, string Pipeline, long ModelVersion, int SourcePartition, long SourceOffset, double Mean, double StandardDeviation)
    {
        public static Prediction Parse(string line)
        {
            int tab = line.IndexOf('\t');
            string json = line[(tab + 1)..];
            var root = JsonDocument.Parse(json).RootElement;
            var source = root.GetProperty("source");
            return new Prediction(line[..tab], json, root.GetProperty("key").GetString()!, root.GetProperty("pipeline").GetString()!,
                root.GetProperty("model_version").GetInt64(), source.GetProperty("partition").GetInt32(), source.GetProperty("offset").GetInt64(),
                root.GetProperty("mean").GetDouble(), root.GetProperty("stddev").GetDouble());
        }
    }

    public void Dispose() => _harness.Dispose();
}
