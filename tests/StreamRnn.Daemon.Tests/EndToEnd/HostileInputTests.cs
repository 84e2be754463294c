using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamRnn.Core;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// Issue 12's hostile records produced with kcat into a running daemon process (an embedded cluster in this test
/// process, reached over TCP): each is dead-lettered with its reason or applied as documented, the daemon keeps
/// running, and every key ends bit-identical to an in-process run that never saw the bad records. Also: dead letters
/// of records near 1 MB, a failed step taken back, and the restore log line counting the partition's keys.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed partial class HostileInputTests : IDisposable
{
    private const string Escaped = "\\u00e9"; // 6 bytes escaped, 2 bytes of UTF-8
    private static readonly TimeSpan Timeout = StateHarness.Timeout;
    private readonly List<StateHarness> _harnesses = [];

    [Fact]
    public async Task Hostile_records_into_a_daemon_keying_by_field_and_dropping_late_records_cost_only_themselves()
    {
        // The pipeline file starts with a UTF-8 byte order mark, keys by a JSON field and drops late records.
        var harness = Harness("hostile-field");
        var definition = Rewrite(harness, bom: true, $$"""
            "Key": { "Source": "Field", "Field": "id" },
            "LateRecords": "Drop",
            "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
            "Features": [ { "Field": "value", "Transform": "ZScore" }, { "Field": "value", "Transform": "Raw" } ],
            "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
            "Model": { "Cell": "Lstm", "HiddenSize": 8, "Layers": 1, "Head": "Gaussian", "Seed": 11 }
            """);
        Assert.Equal(LateRecordPolicy.Drop, definition.LateRecords);
        string longKey = string.Concat(Enumerable.Repeat(Escaped, 512)); // 1,024 bytes once unescaped
        string tooLongKey = string.Concat(Enumerable.Repeat(Escaped, 513));

        var records = new List<(string Key, string Value)>();
        var clean = new Dictionary<string, string>(StringComparer.Ordinal); // hostile value -> what the reference sees
        for (int step = 0; step < 20; step++)
        {
            for (int key = 0; key < 3; key++)
            {
                double value = Math.Round(20 + key + 3 * Math.Sin(step * 0.2 + key), 3);
                string json = Json($"sensor-{key}", step, value.ToString(CultureInfo.InvariantCulture));
                if (key == 2 && step == 10)
                {
                    // A repeated field whose first value is bad: the last value wins, no dead letter.
                    string repeated = json.Replace("\"value\": ", "\"value\": \"warm\", \"value\": ", StringComparison.Ordinal);
                    clean[repeated] = json;
                    json = repeated;
                }

                records.Add(($"sensor-{key}", json));
            }

            if (step == 5)
            {
                records.Add(("sensor-1", Json("sensor-1", step, "21").Replace("{", "{\"\\ud800\": 1, ", StringComparison.Ordinal)));
                records.Add(("sensor-1", Json("S\\ud800", step, "21")));
                records.Add(("sensor-2", Json("sensor-2", step, "\"\\ud83d\"")));
                records.Add(("sensor-0", "{\"id\": \"sensor-0\", \"ts\": 253370764800000, \"value\": 20}"));
                records.Add(("sensor-2", Json("sensor-2", step, "1e200"))); // would overflow the running variance
                records.Add(("long", Json(tooLongKey, step, "5")));
            }

            if (step is 3 or 4)
            {
                records.Add(("long", Json(longKey, step, (5 + step).ToString(CultureInfo.InvariantCulture))));
            }
        }

        await using var daemon = harness.StartDaemon("a");
        var address = await daemon.WaitForHttpAsync(Timeout);
        await harness.ProduceWithKcatAsync(definition.InputTopic, records);

        var deadLetters = await harness.ConsumeWithKcatAsync(definition.DeadLetterTopic, 6);
        string ReasonOf(string valuePart) => deadLetters.Single(d => d.Value.Contains(valuePart, StringComparison.Ordinal)).Headers;
        Assert.Contains("streamrnn.reason=DecodeError", ReasonOf("\\ud800\": 1"), StringComparison.Ordinal);
        Assert.Contains("streamrnn.reason=DecodeError", ReasonOf("S\\ud800"), StringComparison.Ordinal);
        Assert.Contains("streamrnn.reason=DecodeError", ReasonOf("\\ud83d"), StringComparison.Ordinal);
        Assert.Contains("streamrnn.reason=FutureTimestamp", ReasonOf("253370764800000"), StringComparison.Ordinal);
        Assert.Contains("streamrnn.reason=MissingKey", ReasonOf(tooLongKey), StringComparison.Ordinal);
        Assert.Contains("streamrnn.reason=NonFiniteValue", ReasonOf("1e200"), StringComparison.Ordinal);
        Assert.Equal("{\"id\": \"sensor-0\", \"ts\": 253370764800000, \"value\": 20}", deadLetters.Single(d => d.Value.Contains("253370764800000", StringComparison.Ordinal)).Value);

        // Every other record is predicted: nothing after the year-9999 record is late, the first-value-bad record counts.
        var inputs = harness.ReadInput();
        var deadValues = deadLetters.Select(d => d.Value).ToHashSet(StringComparer.Ordinal);
        var applied = inputs.Where(r => !deadValues.Contains(Encoding.UTF8.GetString(r.Value))).ToList();
        Assert.Equal(records.Count - 6, applied.Count);
        harness.WaitForEveryInputToBePredicted(applied, () => daemon.Transcript);
        Assert.Equal(0, await StateHarness.MetricAsync(address, "streamrnn_records_skipped_total", "reason=\"late\""));
        Assert.False(daemon.HasExited, daemon.Transcript);

        // Each key holds exactly the state of a run that saw only the good records (the repeated field as its last value):
        // the absurd value left sensor-2's statistics (and so its ZScore input) as they were.
        var reference = new PipelineRuntime(definition, ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed), TimeProvider.System, metrics: null);
        foreach (var record in applied.OrderBy(r => r.Partition).ThenBy(r => r.Offset))
        {
            string value = Encoding.UTF8.GetString(record.Value);
            reference.Process([new InputRecord(record.Partition, record.Offset, 0, record.Key, Encoding.UTF8.GetBytes(clean.GetValueOrDefault(value, value)))], new DiscardingSink());
        }

        Assert.Equal(4, reference.KeyCount);
        foreach (string? key in new[] { "sensor-0", "sensor-1", "sensor-2", new string('é', 512) })
        {
            await AssertHeldEqualsAsync(address, reference, key);
        }
    }

    [Fact]
    public async Task Records_near_1_MB_get_truncated_dead_letters_and_a_restart_logs_each_partitions_own_key_count()
    {
        var harness = Harness("near-1mb");
        var definition = harness.Definition;
        var records = StateHarness.Series(keys: 6, steps: 10, firstStep: 0);
        string bigValue = new string('v', 999_900); // beyond MaxRecordBytes (64 KiB): OversizedRecord
        string bigKey = new string('k', 1 << 20);   // a 1 MiB record key: MissingKey (too long)
        records.Insert(20, ("sensor-1", bigValue));
        records.Insert(40, (bigKey, "{\"ts\": 1700000000000, \"value\": 1}"));

        await using (var daemon = harness.StartDaemon("a"))
        {
            var address = await daemon.WaitForHttpAsync(Timeout);
            var input = new StringBuilder();
            foreach (var (key, value) in records)
            {
                input.Append(key).Append('\t').Append(value).Append('\n');
            }

            var produced = await ToolRun.RunAsync(ToolRun.Require("kcat", "kcat"),
                ["-b", harness.Cluster.BootstrapServers, "-P", "-t", definition.InputTopic, "-K", "\t", "-z", "none", "-X", "message.max.bytes=4000000"],
                Timeout, input.ToString());
            Assert.True(produced.ExitCode == 0, $"kcat -P failed ({produced.ExitCode}): {produced.Error}");

            var inputs = harness.ReadInput();
            Assert.Equal(62, inputs.Count);
            harness.WaitForEveryInputToBePredicted(inputs.Where(r => r.Key.Length < 100 && r.Value.Length < 100).ToList(), () => daemon.Transcript);
            await StateHarness.WaitForMetricAsync(address, "streamrnn_dead_letters_truncated_total", 2);

            var deadLetters = await harness.ConsumeWithKcatAsync(definition.DeadLetterTopic, 2);
            var oversized = deadLetters.Single(d => d.Key == "sensor-1");
            Assert.Contains("streamrnn.reason=OversizedRecord", oversized.Headers, StringComparison.Ordinal);
            Assert.Contains("streamrnn.truncated=true", oversized.Headers, StringComparison.Ordinal);
            Assert.Contains("streamrnn.original-size=999900", oversized.Headers, StringComparison.Ordinal);
            Assert.True(oversized.Value.Length is > 0 and < 999_900 && oversized.Value.All(c => c == 'v'));
            var longKey = deadLetters.Single(d => d.Key != "sensor-1");
            Assert.Contains("streamrnn.reason=MissingKey", longKey.Headers, StringComparison.Ordinal);
            Assert.Contains("streamrnn.truncated=true", longKey.Headers, StringComparison.Ordinal);
            Assert.Contains("streamrnn.original-key-size=1048576", longKey.Headers, StringComparison.Ordinal);
            Assert.True(longKey.Key.Length is > 0 and < 1 << 20 && longKey.Key.All(c => c == 'k'));
            Assert.Equal("{\"ts\": 1700000000000, \"value\": 1}", longKey.Value);
            Assert.Equal(2, await StateHarness.MetricAsync(address, "streamrnn_dead_letters_truncated_total"));
            Assert.Equal(0, await StateHarness.MetricAsync(address, "streamrnn_dead_letters_failed_total"));
            Assert.False(daemon.HasExited, daemon.Transcript);

            daemon.Terminate();
            Assert.Equal(0, await daemon.WaitForExitAsync(Timeout));
        }

        // Restarted, it restores each partition and logs that partition's keys, not all of them.
        await using var restarted = harness.StartDaemon("a");
        var keysOf = harness.ReadInput().Where(r => r.Key.Length < 100).GroupBy(r => r.Partition)
            .ToDictionary(g => g.Key, g => g.Select(r => Encoding.UTF8.GetString(r.Key)).Distinct().Count());
        Assert.True(keysOf.Values.Any(count => count is > 0 and < 6), "the keys should spread over partitions");
        foreach (var (partition, keys) in keysOf)
        {
            string line = await restarted.WaitForLineAsync(l => RestoredLine().Match(l) is { Success: true } m && m.Groups[1].Value == partition.ToString(CultureInfo.InvariantCulture),
                Timeout, $"the restore line of partition {partition}");
            Assert.Equal(keys, int.Parse(RestoredLine().Match(line).Groups[2].Value, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_step_that_fails_numerically_is_dead_lettered_and_taken_back_in_the_running_daemon()
    {
        // An Elman cell whose first unit is tanh(50x) ≈ sign(x) and second ≈ 1, and a head of weights 3e38 on both:
        // for x > 0 the output overflows to +∞ (NumericalError), for x < 0 it is 0.
        var harness = Harness("numerical");
        string modelFile = harness.Scratch.Combine("fragile.srnn");
        var definition = Rewrite(harness, bom: false, $$"""
            "Key": { "Source": "RecordKey" },
            "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
            "Features": [ { "Field": "x", "Transform": "Raw" } ],
            "Target": { "Field": "y", "Transform": "Raw", "Horizon": 1 },
            "Model": { "Cell": "Rnn", "HiddenSize": 2, "Layers": 1, "Head": "Linear", "Highway": false, "Seed": 1, "File": {{JsonSerializer.Serialize(modelFile)}} }
            """);
        var shape = definition.CreateShape();
        Assert.Equal(13, shape.ParameterCount);
        var weights = ModelWeights.FromParameters(shape, [50, 0, 0, 0, 0, 0, 0, 50, 0, 0, 3e38f, 3e38f, 0], 1);
        using (var stream = File.Create(modelFile))
        {
            weights.WriteTo(stream);
        }

        string Reading(int step, double x) => string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"x\": {x}, \"y\": {10 + step}}}");
        List<(string Key, string Value)> records = [("k", Reading(0, -1)), ("k", Reading(1, 1)), ("k", Reading(2, -2)), ("k", Reading(3, 2)), ("k", Reading(4, -3))];

        await using (var daemon = harness.StartDaemon("a"))
        {
            var address = await daemon.WaitForHttpAsync(Timeout);
            await harness.ProduceWithKcatAsync(definition.InputTopic, records);
            var deadLetters = await harness.ConsumeWithKcatAsync(definition.DeadLetterTopic, 2);
            Assert.All(deadLetters, d => Assert.Contains("streamrnn.reason=NumericalError", d.Headers, StringComparison.Ordinal));
            Assert.Equal(new[] { Reading(1, 1), Reading(3, 2) }, deadLetters.Select(d => d.Value).Order(StringComparer.Ordinal));

            var inputs = harness.ReadInput();
            var good = inputs.Where(r => Encoding.UTF8.GetString(r.Value).Contains("\"x\": -", StringComparison.Ordinal)).ToList();
            Assert.Equal(3, good.Count);
            harness.WaitForEveryInputToBePredicted(good, () => daemon.Transcript);
            var reference = new PipelineRuntime(definition, weights, TimeProvider.System, metrics: null);
            foreach (var record in good)
            {
                reference.Process([new InputRecord(record.Partition, record.Offset, 0, record.Key, record.Value)], new DiscardingSink());
            }

            Assert.Equal(3, reference.QueryKey("k")!.Steps);
            await AssertHeldEqualsAsync(address, reference, "k", definition.Name);
            daemon.Terminate();
            Assert.Equal(0, await daemon.WaitForExitAsync(Timeout));

            // Restored from the changelog (and snapshot) it still holds the state without the failed steps.
            await using var restarted = harness.StartDaemon("a");
            var restartedAddress = await restarted.WaitForHttpAsync(Timeout);
            await StateHarness.WaitForReadinessAsync(restartedAddress, ready: true);
            await AssertHeldEqualsAsync(restartedAddress, reference, "k", definition.Name);
        }
    }

    private StateHarness Harness(string group)
    {
        var harness = new StateHarness(group, topicPrefix: group);
        _harnesses.Add(harness);
        return harness;
    }

    /// <summary>Rewrites the harness's pipeline file (same name and topics) with other settings; returns it as loaded.</summary>
    private static PipelineDefinition Rewrite(StateHarness harness, bool bom, string settings)
    {
        var definition = harness.Definition;
        string json = $$"""
            {
              "Name": "{{definition.Name}}",
              "InputTopic": "{{definition.InputTopic}}",
              "OutputTopic": "{{definition.OutputTopic}}",
              "DeadLetterTopic": "{{definition.DeadLetterTopic}}",
              {{settings}}
            }
            """;
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        File.WriteAllBytes(harness.PipelineFile, bom ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes);
        Assert.Equal(bom, File.ReadAllBytes(harness.PipelineFile)[0] == 0xEF);
        return PipelineDefinition.Load(harness.PipelineFile);
    }

    private static string Json(string id, int step, string value) =>
        string.Create(CultureInfo.InvariantCulture, $"{{\"id\": \"{id}\", \"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {value}}}");

    private static async Task AssertHeldEqualsAsync(Uri address, PipelineRuntime reference, string key, string pipeline = StateHarness.Pipeline)
    {
        var expected = reference.QueryKey(key) ?? throw new InvalidOperationException($"reference has no key {key}");
        using var http = TestApiKey.Client();
        using var response = await http.GetAsync(new Uri(address, $"/pipelines/{pipeline}/keys/{Uri.EscapeDataString(key)}"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"key {key}: {response.StatusCode} {body}");
        var held = JsonDocument.Parse(body).RootElement;
        Assert.Equal(key, held.GetProperty("key").GetString());
        Assert.Equal(expected.LastAppliedOffset, held.GetProperty("lastAppliedOffset").GetInt64());
        Assert.Equal(expected.Steps, held.GetProperty("steps").GetInt64());
        float[] state = held.GetProperty("hiddenState").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(expected.HiddenState.Select(BitConverter.SingleToInt32Bits), state.Select(BitConverter.SingleToInt32Bits));
    }

    [GeneratedRegex(@"Restored temps partition (\d+): .* (\d+) keys in \d+ ms")]
    private static partial Regex RestoredLine();

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
        foreach (var harness in _harnesses)
        {
            harness.Dispose();
        }
    }
}
