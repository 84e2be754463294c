using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// Live accuracy per horizon of Target:Horizons, as a daemon process on the mock broker: a straight line per key
/// (x_t = 10 + key + t/2, every value and error exact in binary), Horizons [1, 3]; /pipelines/{p}/accuracy's horizons
/// and streamrnn_prequential_horizon_error_total / _scored_total carry, per horizon, the model beside persistence, "ar"
/// and "seasonal_naive" with the sums the series determines.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class HorizonAccuracyEndToEndTests : IDisposable
{
    private const int Keys = 3;
    private const int Steps = 60;
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
    public async Task Accuracy_and_metrics_carry_every_horizon_with_its_baselines()
    {
        string file = _scratch.Write("pipelines/multi.json", """
            {
              "Name": "multi", "InputTopic": "e2e.multi", "OutputTopic": "e2e.multi.predictions", "DeadLetterTopic": "e2e.multi.dead-letters",
              "Key": { "Source": "RecordKey" },
              "EventTime": { "Source": "Field", "Field": "ts", "Format": "UnixMilliseconds" },
              "Features": [ { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Raw", "Horizons": [1, 3] },
              "Model": { "Cell": "Gru", "HiddenSize": 4, "Layers": 1, "Head": "Linear", "Seed": 5 },
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
            "--Kafka:GroupId=multi",
            $"--PipelineFiles={file}",
            "--Http:Url=http://127.0.0.1:0",
            $"--State:Directory={_scratch.Combine("state")}",
        ]);
        var address = await daemon.WaitForHttpAsync(Timeout);

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 5 }).Build())
        {
            for (int t = 0; t < Steps; t++)
            {
                for (int key = 0; key < Keys; key++)
                {
                    double value = 10 + key + 0.5 * t;
                    producer.Produce(definition.InputTopic, new Message<string, string>
                    {
                        Key = $"k{key}",
                        Value = string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + t * 1000L}, \"value\": {value:R}}}"),
                    });
                }
            }

            Assert.Equal(0, producer.Flush(Timeout));
        }

        // A key's forecast of horizon h made at its step s is scored at step s + h: Steps − h per key and horizon.
        long scored1 = Keys * (Steps - 1), scored3 = Keys * (Steps - 3);
        JsonElement accuracy = default;
        await daemon.WaitUntilAsync(
            async () =>
            {
                accuracy = JsonDocument.Parse(await _http.GetStringAsync(new Uri(address, "/pipelines/multi/accuracy"))).RootElement.Clone();
                return accuracy.TryGetProperty("horizons", out var list) && list.GetArrayLength() == 2
                    && list[0].GetProperty("scored").GetInt64() >= scored1 && list[1].GetProperty("scored").GetInt64() >= scored3;
            },
            Timeout, $"{scored1} and {scored3} scored forecasts", TimeSpan.FromMilliseconds(100));

        var horizons = accuracy.GetProperty("horizons");
        var first = horizons[0];
        var third = horizons[1];
        Assert.Equal(1, first.GetProperty("h").GetInt32());
        Assert.Equal(3, third.GetProperty("h").GetInt32());
        Assert.Equal(scored1, first.GetProperty("scored").GetInt64());
        Assert.Equal(scored3, third.GetProperty("scored").GetInt64());

        // The first horizon is the pipeline's own (top-level) figures.
        Assert.Equal(accuracy.GetProperty("scored").GetInt64(), first.GetProperty("scored").GetInt64());
        Assert.Equal(accuracy.GetProperty("modelMae").GetDouble(), first.GetProperty("modelMae").GetDouble());
        Assert.Equal(accuracy.GetProperty("baselines").GetProperty("ar").GetProperty("mae").GetDouble(),
            first.GetProperty("baselines").GetProperty("ar").GetProperty("mae").GetDouble());

        // Persistence misses a straight line by h/2 exactly: 0.5 at h = 1, 1.5 at h = 3.
        Assert.Equal(0.5, first.GetProperty("baselineMae").GetDouble());
        Assert.Equal(1.5, third.GetProperty("baselineMae").GetDouble());
        Assert.Equal(1.5, third.GetProperty("baselineRmse").GetDouble());

        // Season 4: at h = 1 the forecast made at step s is y_{s−3} (persistence for s ≤ 3): error 2 after 3 persistence
        // errors of 0.5; at h = 3 it is y_{s−1} (persistence for s = 1): error 2 after one of 1.5.
        double seasonal1 = Keys * (3 * 0.5 + (Steps - 1 - 3) * 2.0), seasonal3 = Keys * (1.5 + (Steps - 3 - 1) * 2.0);
        foreach (var (horizon, scored, sum) in new[] { (first, scored1, seasonal1), (third, scored3, seasonal3) })
        {
            var seasonal = horizon.GetProperty("baselines").GetProperty("seasonal_naive");
            Assert.Equal(scored, seasonal.GetProperty("scored").GetInt64());
            Assert.Equal(sum / scored, seasonal.GetProperty("mae").GetDouble(), 12);
        }

        // AR(1) learns the line (persistence for its first pairs): far below persistence at each horizon.
        var ar3 = third.GetProperty("baselines").GetProperty("ar");
        Assert.Equal(scored3, ar3.GetProperty("scored").GetInt64());
        Assert.True(ar3.GetProperty("mae").GetDouble() < 0.2 * 1.5, $"ar at h = 3: {ar3.GetProperty("mae").GetDouble():R}");

        // The counters hold the same sums per horizon; the single-horizon metric keeps the first horizon.
        string metrics = await _http.GetStringAsync(new Uri(address, "/metrics"));
        double Sample(string pattern)
        {
            var match = Regex.Match(metrics, "^" + pattern + " (\\S+)$", RegexOptions.Multiline);
            Assert.True(match.Success, $"no {pattern} series in\n{metrics}");
            return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        double Error(int h, string forecaster, string metric) => Sample(
            $"streamrnn_prequential_horizon_error_total\\{{pipeline=\"multi\",horizon=\"{h}\",forecaster=\"{forecaster}\",metric=\"{metric}\"\\}}");

        Assert.Equal(scored1, Sample("streamrnn_prequential_horizon_scored_total\\{pipeline=\"multi\",horizon=\"1\"\\}"));
        Assert.Equal(scored3, Sample("streamrnn_prequential_horizon_scored_total\\{pipeline=\"multi\",horizon=\"3\"\\}"));
        Assert.Equal(scored1 * 0.5, Error(1, "baseline", "abs"));
        Assert.Equal(scored1 * 0.25, Error(1, "baseline", "squared"));
        Assert.Equal(scored3 * 1.5, Error(3, "baseline", "abs"));
        Assert.Equal(scored3 * 2.25, Error(3, "baseline", "squared"));
        Assert.Equal(seasonal1, Error(1, "seasonal_naive", "abs"), 9);
        Assert.Equal(seasonal3, Error(3, "seasonal_naive", "abs"), 9);
        Assert.Equal(first.GetProperty("modelMae").GetDouble(), Error(1, "model", "abs") / scored1, 9);
        Assert.Equal(third.GetProperty("modelMae").GetDouble(), Error(3, "model", "abs") / scored3, 9);
        Assert.Equal(ar3.GetProperty("mae").GetDouble(), Error(3, "ar", "abs") / scored3, 9);
        Assert.Equal(0, Error(3, "model", "logloss"));
        Assert.Equal(Error(1, "model", "abs"),
            Sample("streamrnn_prequential_error_total\\{pipeline=\"multi\",forecaster=\"model\",metric=\"abs\"\\}"), 9);
        Assert.Equal(scored1 * 0.5, Sample("streamrnn_prequential_error_total\\{pipeline=\"multi\",forecaster=\"baseline\",metric=\"abs\"\\}"));
    }
}
