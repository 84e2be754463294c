using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamRnn.Daemon.Csv;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The daemon on its embedded default, as a process: HTTP endpoints, demo feeds readable with kcat, the metrics
/// exposition checked by promtool, configuration layers, and a graceful SIGTERM.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed partial class EmbeddedDaemonTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Serves_http_feeds_demo_data_and_stops_cleanly_on_sigterm()
    {
        using var scratch = new ScratchDirectory();
        await using var daemon = DaemonProcess.Start(
            ["--Http:Url=http://127.0.0.1:0", TestApiKey.Argument, "--Demo:Speed=50", $"--State:Directory={scratch.Combine("state")}"],
            workingDirectory: scratch.Path,
            environment: new Dictionary<string, string>
            {
                // Unprefixed variables are read, the prefixed form wins over them: 0 would stop start-up.
                ["Kafka__EmbeddedPartitions"] = "0",
                ["STREAMRNN_Kafka__EmbeddedPartitions"] = "5",
            });
        var url = await daemon.WaitForHttpAsync(StartTimeout);
        using var http = TestApiKey.Client(url);

        using (var healthz = await http.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            Assert.Equal("alive\n", await healthz.Content.ReadAsStringAsync());
        }

        using var info = JsonDocument.Parse(await http.GetStringAsync("/info"));
        string bootstrap = info.RootElement.GetProperty("bootstrapServers").GetString()!;
        Assert.Matches(BootstrapPattern(), bootstrap);
        Assert.True(info.RootElement.GetProperty("embeddedBroker").GetBoolean());
        Assert.Equal("AtLeastOnce", info.RootElement.GetProperty("delivery").GetString());
        var pipelines = info.RootElement.GetProperty("pipelines").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["bed-exit", "machine-temperature", "stocks"], pipelines.Keys.Order());
        var stocks = pipelines["stocks"];
        Assert.Equal("ticks.stocks", stocks.GetProperty("inputTopic").GetString());
        Assert.Equal("predictions.stocks", stocks.GetProperty("outputTopic").GetString());
        Assert.Equal(JsonValueKind.Null, stocks.GetProperty("alertTopic").ValueKind);
        Assert.Equal("streamrnn.dead-letters", stocks.GetProperty("deadLetterTopic").GetString());
        Assert.Equal("streamrnn.stocks.changelog", stocks.GetProperty("changelogTopic").GetString());
        Assert.Equal("streamrnn.stocks.models", stocks.GetProperty("modelTopic").GetString());
        Assert.Equal("alerts.bed-exit", pipelines["bed-exit"].GetProperty("alertTopic").GetString());

        await daemon.WaitForLineAsync(l => l.Contains($"kcat -b {bootstrap} -C -t predictions.stocks -o end", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5), "the kcat command");

        // Topics exist with Kafka:EmbeddedPartitions partitions (5, from the prefixed variable), seen by kcat.
        string metadata = await Kcat.ListAsync(bootstrap);
        foreach (string? topic in new[] { "ticks.stocks", "predictions.stocks", "streamrnn.stocks.changelog", "streamrnn.stocks.models", "alerts.bed-exit", "streamrnn.dead-letters" })
        {
            Assert.Contains($"topic \"{topic}\" with 5 partitions", metadata, StringComparison.Ordinal);
        }

        await AssertDemoFeedReplaysTheBundledRowsAsync(bootstrap);
        await AssertReadinessIsConsistentAsync(http);
        await AssertMetricsPassPromtoolAsync(http);

        using (var unknown = await http.GetAsync("/pipelines/nope/model"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("""{"error":"no pipeline named 'nope'"}""", await unknown.Content.ReadAsStringAsync());
        }

        daemon.Terminate();
        int code = await daemon.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 0, $"exit code {code}\n{daemon.Transcript}");
        var output = daemon.Output;
        int feedsStopped = IndexOf(output, "Demo feeds stopped after");
        int brokerStopped = IndexOf(output, "Embedded Kafka broker stopped");
        Assert.True(feedsStopped >= 0 && brokerStopped > feedsStopped, $"the broker must stop last\n{daemon.Transcript}");
    }

    private static async Task AssertDemoFeedReplaysTheBundledRowsAsync(string bootstrap)
    {
        // The first row of each symbol in the bundled file, encoded as the feed encodes it.
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var csv = CsvReader.Open(Path.Combine(AppContext.BaseDirectory, "DemoData", "stocks_sp500_daily_5sym.csv")))
        {
            var encoder = new CsvRowEncoder(csv.Header);
            var fields = new List<string>();
            while (csv.TryReadRow(fields))
            {
                if (!expected.ContainsKey(fields[0]))
                {
                    expected[fields[0]] = System.Text.Encoding.UTF8.GetString(encoder.Encode(fields).Span);
                }
            }
        }

        Dictionary<string, string> firstByKey = [];
        await Wait.UntilAsync(
            async () =>
            {
                firstByKey = [];
                foreach (string line in await Kcat.ConsumeAllAsync(bootstrap, "ticks.stocks"))
                {
                    int tab = line.IndexOf('\t', StringComparison.Ordinal);
                    firstByKey.TryAdd(line[..tab], line[(tab + 1)..]);
                }

                return firstByKey.Count == expected.Count;
            },
            TimeSpan.FromSeconds(30), $"a first record of each of the {expected.Count} symbols", poll: TimeSpan.FromMilliseconds(200));

        Assert.Equal(expected.OrderBy(p => p.Key), firstByKey.OrderBy(p => p.Key));
    }

    private static async Task AssertReadinessIsConsistentAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/readyz");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        bool ready = body.RootElement.GetProperty("ready").GetBoolean();
        var components = body.RootElement.GetProperty("components").EnumerateArray().ToList();

        Assert.Equal(ready ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(components.All(c => c.GetProperty("healthy").GetBoolean()), ready);
        var broker = Assert.Single(components, c => c.GetProperty("name").GetString() == "broker");
        Assert.True(broker.GetProperty("healthy").GetBoolean());
        Assert.StartsWith("embedded broker at 127.0.0.1:", broker.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.All(components, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("reason").GetString())));
    }

    private static async Task AssertMetricsPassPromtoolAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string exposition = await response.Content.ReadAsStringAsync();
        Assert.Contains("\nstreamrnn_ready ", "\n" + exposition, StringComparison.Ordinal);
        Assert.Contains("# TYPE streamrnn_records_consumed_total counter", exposition, StringComparison.Ordinal);

        string promtool = ToolRun.Require("promtool", "prometheus");
        var check = await ToolRun.RunAsync(promtool, ["check", "metrics"], TimeSpan.FromSeconds(30), exposition);
        Assert.True(check.ExitCode == 0, $"promtool check metrics failed:\n{check.Output}{check.Error}");
    }

    private static int IndexOf(IReadOnlyList<string> lines, string text)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            if (lines[i].Contains(text, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    [GeneratedRegex(@"^127\.0\.0\.1:\d+$")]
    private static partial Regex BootstrapPattern();
}
