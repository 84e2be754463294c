using System.Text.Json;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The daemon against a cluster it does not own (an embedded cluster in this test process, reached over TCP like any
/// broker): topic checks sized from the input topics, configuration layers, JSON logs, secrets kept out of every
/// output. The mock broker has no CreateTopics API, so creating missing topics on a real cluster cannot be shown
/// here: these tests give the daemon existing topics, or fail it before anything would be created.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ExternalClusterTests : IDisposable
{
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly ScratchDirectory _scratch = new();

    public void Dispose()
    {
        _scratch.Dispose();
        _cluster.Dispose();
    }

    [Fact]
    public async Task Runs_on_existing_topics_and_json_logs_never_show_secrets()
    {
        const string Secret = "Hunter2-Secret-Value";
        CreateTopics("stocks", "ticks.stocks", 3, alerts: false);
        CreateTopics("machine-temperature", "sensors.machine-temperature", 2, alerts: false);
        CreateTopics("bed-exit", "sensors.bed-exit", 1, alerts: true);
        _cluster.CreateTopic("streamrnn.dead-letters", 1);
        await using var daemon = DaemonProcess.Start(
            [
                "--Http:Url=http://127.0.0.1:0", TestApiKey.Argument, "--Logging:Format=Json", $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
                $"--Kafka:ClientConfig:sasl.password={Secret}", "--Kafka:ClientConfig:client.id=streamrnn-test",
                "--Shutdown:Timeout=00:00:10", $"--State:Directory={_scratch.Combine("state")}",
            ],
            workingDirectory: _scratch.Path,
            // The command line wins over the environment: this URL would stop start-up.
            environment: new Dictionary<string, string> { ["STREAMRNN_Http__Url"] = "not a url" });
        var url = await daemon.WaitForHttpAsync(TimeSpan.FromSeconds(60));
        using var http = TestApiKey.Client(url);

        string infoText = await http.GetStringAsync("/info");
        using var info = JsonDocument.Parse(infoText);
        Assert.Equal(_cluster.BootstrapServers, info.RootElement.GetProperty("bootstrapServers").GetString());
        Assert.False(info.RootElement.GetProperty("embeddedBroker").GetBoolean());
        var clientConfig = info.RootElement.GetProperty("clientConfig");
        Assert.Equal("***", clientConfig.GetProperty("sasl.password").GetString());
        Assert.Equal("streamrnn-test", clientConfig.GetProperty("client.id").GetString());
        Assert.DoesNotContain(Secret, infoText, StringComparison.Ordinal);

        using (var ready = JsonDocument.Parse(await (await http.GetAsync("/readyz")).Content.ReadAsStringAsync()))
        {
            var broker = ready.RootElement.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "broker");
            Assert.True(broker.GetProperty("healthy").GetBoolean());
            Assert.Equal($"cluster at {_cluster.BootstrapServers}, 14 topics (0 created at start)", broker.GetProperty("reason").GetString());
        }

        // With a configured cluster the demo feeds are off unless asked for.
        await daemon.WaitForLineAsync(l => l.Contains("Demo feeds are off", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the demo notice");

        daemon.Terminate();
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"exit code {code}\n{daemon.Transcript}");
        Assert.DoesNotContain(Secret, daemon.Transcript, StringComparison.Ordinal);
        Assert.Contains(daemon.Output, l => l.Contains("sasl.password=***", StringComparison.Ordinal));
        foreach (string line in daemon.Output)
        {
            using var entry = JsonDocument.Parse(line);
            Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), line);
            Assert.True(entry.RootElement.TryGetProperty("Message", out _), line);
        }
    }

    [Fact]
    public async Task A_changelog_with_another_partition_count_than_its_input_stops_start_up()
    {
        CreateTopics("stocks", "ticks.stocks", 3, alerts: false);
        CreateTopics("machine-temperature", "sensors.machine-temperature", 2, alerts: false);
        _cluster.CreateTopic("sensors.bed-exit", 2);
        _cluster.CreateTopic("streamrnn.bed-exit.changelog", 4);
        await using var daemon = DaemonProcess.Start(
            ["--Http:Url=http://127.0.0.1:0", $"--Kafka:BootstrapServers={_cluster.BootstrapServers}", $"--State:Directory={_scratch.Combine("state")}"],
            workingDirectory: _scratch.Path);

        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 1, $"exit code {code}\n{daemon.Transcript}");
        Assert.Contains(daemon.Errors, l => l.StartsWith(
            "streamrnn: failed: Topic streamrnn.bed-exit.changelog exists with 4 partition(s) but 2 are required",
            StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_input_topic_stops_start_up_with_exit_code_1_naming_it()
    {
        _cluster.CreateTopic("ticks.stocks", 2);
        await using var daemon = DaemonProcess.Start(
            ["--Http:Url=http://127.0.0.1:0", $"--Kafka:BootstrapServers={_cluster.BootstrapServers}", $"--State:Directory={_scratch.Combine("state")}"],
            workingDirectory: _scratch.Path);

        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 1, $"exit code {code}\n{daemon.Transcript}");
        Assert.Contains(daemon.Errors, l => l.StartsWith(
            $"streamrnn: failed: The input topic 'sensors.bed-exit' of pipeline 'bed-exit' does not exist on {_cluster.BootstrapServers}: create it first",
            StringComparison.Ordinal));
    }

    private void CreateTopics(string pipeline, string input, int partitions, bool alerts)
    {
        _cluster.CreateTopic(input, partitions);
        _cluster.CreateTopic($"predictions.{pipeline}", partitions);
        _cluster.CreateTopic($"streamrnn.{pipeline}.changelog", partitions);
        _cluster.CreateTopic($"streamrnn.{pipeline}.models", partitions);
        if (alerts)
        {
            _cluster.CreateTopic($"alerts.{pipeline}", partitions);
        }
    }
}
