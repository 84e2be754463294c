using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// Issue 4, "Restart: … windows in flight are not lost": the daemon as a process, killed with SIGKILL while its
/// trainer holds completed windows it has not trained, restarted on the same state directory.
/// </summary>
/// <remarks>
/// Training is configured so that no round can start during the test (warm-up and trigger far above the windows
/// produced, a one-hour timer): every completed window stays in flight, so the counts are exact. Before the kill
/// the test waits until the group's committed offsets cover every record, which is the point where the runtime
/// has journaled the windows (the journal is written just before offsets are committed).
/// </remarks>
[Trait("Category", "EndToEnd")]
public sealed class WindowJournalEndToEndTests : IDisposable
{
    private const int Partitions = 4;
    private const int Keys = 4;
    private const int WindowSteps = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly ScratchDirectory _scratch = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _http.Dispose();
        _cluster.Dispose();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Windows_in_flight_at_a_kill_9_are_recovered_exactly_once_after_the_restart()
    {
        var definition = CreatePipeline();
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 5 }).Build();

        // 100 steps per key: 12 complete windows of 8 per key (48), and each key 4 steps into its 13th.
        await using var daemon = StartDaemon();
        var address = await daemon.WaitForHttpAsync(Timeout);
        Produce(producer, definition, 0, 100);
        await WaitForCommittedAsync(daemon, definition, Keys * 100);
        var before = await ModelAsync(address);
        Assert.Equal(48, before.GetProperty("trainingWindowsInFlight").GetInt64());
        Assert.Equal(0, before.GetProperty("trainingWindowsRecovered").GetInt64());
        string journal = _scratch.Combine("state", definition.Name, "windows");
        Assert.NotEmpty(Directory.GetFiles(journal, "windows-*.wal"));

        await daemon.DisposeAsync(); // SIGKILL: no final commit, no goodbye
        Assert.True(daemon.HasExited);

        await using var restarted = StartDaemon();
        var restartedAddress = await restarted.WaitForHttpAsync(Timeout);
        await restarted.WaitForLineAsync(l => l.Contains("48 training windows in flight recovered", StringComparison.Ordinal), Timeout,
            "'48 training windows in flight recovered'");
        var after = await ModelAsync(restartedAddress);
        Assert.Equal(48, after.GetProperty("trainingWindowsRecovered").GetInt64());
        Assert.Equal(48, after.GetProperty("trainingWindowsInFlight").GetInt64());

        // 28 more steps per key complete windows 13–16 of each key from the restored partial windows: 64 in all, so
        // nothing was lost at the kill and nothing counted twice.
        Produce(producer, definition, 100, 128);
        await WaitForCommittedAsync(restarted, definition, Keys * 128);
        long inFlight = 0;
        await restarted.WaitUntilAsync(
            async () =>
            {
                inFlight = (await ModelAsync(restartedAddress)).GetProperty("trainingWindowsInFlight").GetInt64();
                Assert.True(inFlight <= 64, $"{inFlight} windows in flight: some were counted twice\n{restarted.Transcript}");
                return inFlight == 64;
            },
            Timeout, "64 training windows in flight", TimeSpan.FromMilliseconds(50));

        // Prequential accuracy over HTTP: since the restart, the 28 new records of each key scored the prediction
        // before them (the first one's prediction was restored with the key's state).
        var accuracy = JsonDocument.Parse(await _http.GetStringAsync(new Uri(restartedAddress, "/pipelines/journal/accuracy"))).RootElement;
        Assert.Equal(Keys * 28, accuracy.GetProperty("scored").GetInt64());
        Assert.Equal("Gaussian", accuracy.GetProperty("head").GetString());
        Assert.Equal("persistence", accuracy.GetProperty("baseline").GetString());
        Assert.True(accuracy.GetProperty("modelMae").GetDouble() > 0);
        Assert.InRange(accuracy.GetProperty("coverage95").GetDouble(), accuracy.GetProperty("coverage80").GetDouble(), 1);
        Assert.Equal(JsonValueKind.Null, accuracy.GetProperty("modelPrecision").ValueKind);
        using var unknown = await _http.GetAsync(new Uri(restartedAddress, "/pipelines/nope/accuracy"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private PipelineDefinition CreatePipeline()
    {
        string file = _scratch.Write("pipelines/journal.json", $$"""
            {
              "Name": "journal",
              "InputTopic": "e2e.journal",
              "OutputTopic": "e2e.journal.predictions",
              "DeadLetterTopic": "e2e.journal.dead-letters",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Lstm", "HiddenSize": 8, "Layers": 1, "Head": "Gaussian", "Seed": 5 },
              "Training": {
                "Enabled": true, "WindowSteps": {{WindowSteps}}, "BatchWindows": 8, "QueueCapacity": 4096,
                "TrainEveryWindows": 4096, "WarmupWindows": 4096, "TrainEveryInterval": "01:00:00", "HoldBackWindows": 16
              }
            }
            """);
        var definition = PipelineDefinition.Load(file);
        foreach (string? topic in new[] { definition.InputTopic, definition.OutputTopic, definition.DeadLetterTopic, definition.ChangelogTopic, definition.ModelTopic })
        {
            _cluster.CreateTopic(topic, Partitions);
        }

        return definition;
    }

    private DaemonProcess StartDaemon() => DaemonProcess.Start(
    [
        $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
        "--Kafka:GroupId=journal",
        "--Kafka:SessionTimeoutMs=6000",
        $"--PipelineFiles={_scratch.Combine("pipelines", "journal.json")}",
        "--Http:Url=http://127.0.0.1:0",
        $"--State:Directory={_scratch.Combine("state")}",
        "--State:CommitInterval=00:00:00.200",
    ]);

    private static void Produce(IProducer<string, string> producer, PipelineDefinition definition, int from, int to)
    {
        for (int step = from; step < to; step++)
        {
            for (int key = 0; key < Keys; key++)
            {
                double value = Math.Sin(step * 0.3 + key);
                producer.Produce(definition.InputTopic, new Message<string, string>
                {
                    Key = $"sensor-{key}",
                    Value = string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {value:R}}}"),
                });
            }
        }

        Assert.Equal(0, producer.Flush(Timeout));
    }

    /// <summary>Waits until the daemon's group has committed offsets covering <paramref name="records"/> input records.</summary>
    private async Task WaitForCommittedAsync(DaemonProcess daemon, PipelineDefinition definition, long records)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "journal",
            EnableAutoCommit = false,
        }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(definition.InputTopic, p)).ToList();
        long committed = 0;
        await daemon.WaitUntilAsync(
            () => Task.FromResult((committed = reader.Committed(partitions, TimeSpan.FromSeconds(5)).Sum(o => Math.Max(0, o.Offset.Value))) >= records),
            Timeout, $"committed offsets covering {records} records", TimeSpan.FromMilliseconds(50));
        Assert.Equal(records, committed);
    }

    private async Task<JsonElement> ModelAsync(Uri address)
    {
        string text = await _http.GetStringAsync(new Uri(address, "/pipelines/journal/model"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
