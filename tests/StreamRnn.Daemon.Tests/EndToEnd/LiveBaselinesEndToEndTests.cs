using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// The daemon's live strong baselines, as a process on the mock broker: a perfect AR(1) series per key, scored by the
/// model, persistence, "ar" and "seasonal_naive"; /pipelines/{p}/accuracy and streamrnn_prequential_error_total
/// carry the same sums.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed partial class LiveBaselinesEndToEndTests : IDisposable
{
    private const int Keys = 3;
    private const int Steps = 120;
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
    public async Task Accuracy_and_metrics_carry_the_ar_and_seasonal_baselines()
    {
        string file = _scratch.Write("pipelines/live.json", """
            {
              "Name": "live", "InputTopic": "e2e.live", "OutputTopic": "e2e.live.predictions", "DeadLetterTopic": "e2e.live.dead-letters",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizon": 1 },
              "Model": { "Cell": "Gru", "HiddenSize": 8, "Layers": 1, "Head": "Gaussian", "Seed": 5 },
              "Training": { "Enabled": false },
              "Baselines": { "ArOrder": 1, "Season": 4 }
            }
            """);
        var definition = PipelineDefinition.Load(file);
        foreach (string? topic in new[] { definition.InputTopic, definition.OutputTopic, definition.DeadLetterTopic, definition.ChangelogTopic, definition.ModelTopic })
        {
            _cluster.CreateTopic(topic, 2);
        }

        await using var daemon = DaemonProcess.Start(
        [
            $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
            "--Kafka:GroupId=live",
            $"--PipelineFiles={file}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state")}",
        ]);
        var address = await daemon.WaitForHttpAsync(Timeout);

        // Key k: x_t = (10 + k) · 1.02^t, so x_{t+1} = 1.02 x_t exactly: persistence is off by 2%, an AR(1) learns it.
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 5 }).Build())
        {
            for (int t = 0; t < Steps; t++)
            {
                for (int key = 0; key < Keys; key++)
                {
                    double value = (10 + key) * Math.Pow(1.02, t);
                    producer.Produce(definition.InputTopic, new Message<string, string>
                    {
                        Key = $"k{key}",
                        Value = string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + t * 1000L}, \"value\": {value:R}}}"),
                    });
                }
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        // Every key's predictions at steps 1..119 are scored by the next record: 119 per key.
        JsonElement accuracy = default;
        await daemon.WaitUntilAsync(
            async () =>
            {
                accuracy = JsonDocument.Parse(await _http.GetStringAsync(new Uri(address, "/pipelines/live/accuracy"))).RootElement.Clone();
                return accuracy.GetProperty("scored").GetInt64() >= Keys * (Steps - 1);
            },
            Timeout, $"{Keys * (Steps - 1)} scored predictions", TimeSpan.FromMilliseconds(100));

        Assert.Equal(Keys * (Steps - 1), accuracy.GetProperty("scored").GetInt64());
        Assert.False(accuracy.TryGetProperty("horizons", out _), "horizons is for Target:Horizons pipelines only");
        var baselines = accuracy.GetProperty("baselines");
        Assert.Equal(["ar", "seasonal_naive"], baselines.EnumerateObject().Select(p => p.Name));
        var ar = baselines.GetProperty("ar");
        Assert.Equal(Keys * (Steps - 1), ar.GetProperty("scored").GetInt64());
        double persistenceMae = accuracy.GetProperty("baselineMae").GetDouble();
        double arMae = ar.GetProperty("mae").GetDouble();
        // Persistence for its first 2(p + 1) = 4 pairs (5 forecasts per key), then exact to rounding.
        Assert.True(arMae < 0.1 * persistenceMae, $"ar {arMae:R}, persistence {persistenceMae:R}");
        Assert.Equal(Keys * (Steps - 1), baselines.GetProperty("seasonal_naive").GetProperty("scored").GetInt64());

        // The counters hold the same sums: MAE = abs / scored.
        string metrics = await _http.GetStringAsync(new Uri(address, "/metrics"));
        double Sample(string forecaster, string metric)
        {
            var match = Regex.Match(metrics, $"^streamrnn_prequential_error_total\\{{pipeline=\"live\",forecaster=\"{forecaster}\",metric=\"{metric}\"\\}} (\\S+)$", RegexOptions.Multiline);
            Assert.True(match.Success, $"no {forecaster}/{metric} series in\n{metrics}");
            return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        Assert.DoesNotContain("streamrnn_prequential_horizon_error_total{pipeline=\"live\"", metrics, StringComparison.Ordinal);
        Assert.Equal(arMae, Sample("ar", "abs") / (Keys * (Steps - 1)), 9);
        Assert.Equal(baselines.GetProperty("seasonal_naive").GetProperty("mae").GetDouble(), Sample("seasonal_naive", "abs") / (Keys * (Steps - 1)), 9);
        Assert.Equal(persistenceMae, Sample("baseline", "abs") / (Keys * (Steps - 1)), 9);
    }
}
