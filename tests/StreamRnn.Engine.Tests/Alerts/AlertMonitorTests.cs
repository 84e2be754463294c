using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>Alert records as they reach the sink: from predictions, through the runtime's hook, with metrics.</summary>
[Trait("Category", "Unit")]
public sealed class AlertMonitorTests
{
    private static readonly InputRecord Source = new(0, 7, 0, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);

    private static AlertOptions ExitOptions()
    {
        var options = AlertHarness.Options();
        options.Watch = WatchedProbability.Complement;
        return options;
    }

    private static void Predict(AlertMonitor monitor, IRecordSink sink, string key, double seconds, double p, long version = 3) =>
        monitor.OnPrediction(new PredictionEvent(key, (long)(seconds * 1000), version, p, double.NaN), Source, sink);

    private static async Task<string> Export(Prometheus.CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Raises_and_clears_are_written_as_alert_records_and_counted()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(registry));
        using var monitor = new AlertMonitor("bed-exit", ExitOptions(), metrics);
        var sink = new RecordingSink();

        // p = P(in bed); the rule watches 1 − p = P(exit).
        Predict(monitor, sink, "bed-1", 0, 0.2);
        Predict(monitor, sink, "bed-1", 1, 0.25);
        Assert.Empty(sink.Alerts);
        Predict(monitor, sink, "bed-1", 2, 0.2);
        Predict(monitor, sink, "bed-1", 3, 0.7);

        Assert.Equal(2, sink.Alerts.Count);
        Assert.Equal(("bed-1",
            """{"key":"bed-1","ts":"1970-01-01T00:00:02.000Z","pipeline":"bed-exit","severity":"warning","probability":0.8,"reason":"p(exit within 15 s) ≥ 0.7 for 3 readings","model_version":3,"state":"raised"}"""),
            sink.Alerts[0]);
        Assert.Equal(("bed-1",
            """{"key":"bed-1","ts":"1970-01-01T00:00:03.000Z","pipeline":"bed-exit","severity":"warning","probability":0.30000000000000004,"reason":"p(exit within 15 s) < 0.4","model_version":3,"state":"cleared"}"""),
            sink.Alerts[1]);
        Assert.Equal((1, 1, 0), (monitor.Raised, monitor.Cleared, monitor.Faults));

        string text = await Export(registry);
        Assert.Contains("streamrnn_alerts_raised_total{pipeline=\"bed-exit\",severity=\"warning\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_alerts_raised_total{pipeline=\"bed-exit\",severity=\"critical\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_alerts_cleared_total{pipeline=\"bed-exit\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_gone_silent_is_cleared_into_the_sink_of_the_call_whose_event_time_passed_its_timeout()
    {
        using var monitor = new AlertMonitor("bed-exit", ExitOptions());
        var first = new RecordingSink();
        Predict(monitor, first, "bed-1", 0, 0.1);
        Predict(monitor, first, "bed-1", 1, 0.1);
        Predict(monitor, first, "bed-1", 2, 0.1);
        Assert.Single(first.Alerts);

        var second = new RecordingSink();
        Predict(monitor, second, "bed-2", 1000, 0.9);
        Assert.Empty(second.Alerts);
        Predict(monitor, second, "bed-2", 1200, 0.9);

        var (key, json) = Assert.Single(second.Alerts);
        Assert.Equal("bed-1", key);
        Assert.Contains("\"ts\":\"1970-01-01T00:20:00.000Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"no readings for 600 s or more\",\"model_version\":3,\"state\":\"cleared\"", json, StringComparison.Ordinal);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1200), monitor.Now);
    }

    [Fact]
    public void The_clock_never_goes_back_and_a_late_reading_is_judged_by_its_own_time()
    {
        using var monitor = new AlertMonitor("bed-exit", ExitOptions());
        var sink = new RecordingSink();
        Predict(monitor, sink, "bed-1", 100, 0.1);
        Predict(monitor, sink, "bed-2", 50, 0.1);

        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(100), monitor.Now);
        Assert.Empty(sink.Alerts);
    }

    [Fact]
    public void After_a_fault_the_rules_start_again_and_keep_alerting()
    {
        using var monitor = new AlertMonitor("bed-exit", ExitOptions());
        var sink = new RecordingSink();
        Predict(monitor, sink, "bed-1", 0, 0.1);
        Predict(monitor, sink, "bed-1", 1, 0.1);
        var error = new InvalidOperationException("boom");
        monitor.InjectFault(error);

        Assert.Equal(1, monitor.Faults);
        Assert.Same(error, monitor.LastError);
        Predict(monitor, sink, "bed-1", 2, 0.1);
        Assert.Empty(sink.Alerts);
        Predict(monitor, sink, "bed-1", 3, 0.1);
        Predict(monitor, sink, "bed-1", 4, 0.1);
        Assert.Contains("\"ts\":\"1970-01-01T00:00:04.000Z\"", Assert.Single(sink.Alerts).Json, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_returns_null_without_an_Alerts_section_and_refuses_a_non_binary_head()
    {
        Assert.Null(AlertMonitor.Create(TestPipelines.Stocks(), null));
        var stocks = TestPipelines.Stocks();
        stocks.Alerts = new AlertOptions();
        var exception = Assert.Throws<InvalidPipelineException>(() => AlertMonitor.Create(stocks, null));
        Assert.Equal("Pipelines:stocks:Alerts: alert rules need a Binary or Categorical head (they watch a probability)", Assert.Single(exception.Errors));
    }

    [Fact]
    public void The_runtime_hands_every_prediction_to_its_observer_inside_Process()
    {
        var definition = BedExit();
        var runtime = TestPipelines.Runtime(definition);
        var observer = new RecordingObserver();
        runtime.PredictionObserver = observer;
        var sink = new RecordingSink();
        runtime.Process(Readings(30, keys: 3), sink);

        Assert.Equal(sink.Predictions.Count, observer.Seen.Count);
        Assert.Equal(30, observer.Seen.Count);
        for (int i = 0; i < observer.Seen.Count; i++)
        {
            var json = sink.PredictionJson(i);
            var (prediction, offset, sameSink) = observer.Seen[i];
            Assert.Equal(json.GetProperty("key").GetString(), prediction.Key);
            Assert.Equal(json.GetProperty("probability").GetDouble(), prediction.Mean);
            Assert.Equal(DateTimeOffset.Parse(json.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
                prediction.EventTimeUnixMs);
            Assert.Equal(1, prediction.ModelVersion);
            Assert.True(double.IsNaN(prediction.StandardDeviation));
            Assert.Equal(sink.Predictions[i].Offset, offset);
            Assert.Same(sink, sameSink);
        }
    }

    [Fact]
    public void Through_the_runtime_each_key_raises_once_when_every_probability_is_above_a_low_threshold()
    {
        var definition = BedExit();
        definition.Alerts = new AlertOptions { Event = "exit", Threshold = 0.01, ClearThreshold = 0, MinReadings = 2, CriticalThreshold = null };
        Assert.Empty(definition.Validate());
        var runtime = TestPipelines.Runtime(definition);
        using var monitor = AlertMonitor.Create(definition, null)!;
        runtime.PredictionObserver = monitor;
        var sink = new RecordingSink();
        runtime.Process(Readings(30, keys: 3), sink);

        // No feature needs history, so every record has a prediction: 10 per key. The rule raises on each key's second
        // one and can never clear (q < 0 is impossible).
        Assert.Equal(3, sink.Alerts.Count);
        foreach (var (key, json) in sink.Alerts)
        {
            var second = sink.Predictions.Where(p => p.Key == key).Skip(1).First();
            double probability = System.Text.Json.JsonDocument.Parse(second.Json).RootElement.GetProperty("probability").GetDouble();
            var alert = System.Text.Json.JsonDocument.Parse(json).RootElement;
            Assert.Equal(probability, alert.GetProperty("probability").GetDouble());
            Assert.Equal("raised", alert.GetProperty("state").GetString());
            Assert.Equal("warning", alert.GetProperty("severity").GetString());
        }
    }

    /// <summary>A Binary pipeline like the shipped bed-exit one, keyed by a field, event time from the record timestamp.</summary>
    internal static PipelineDefinition BedExit() => new()
    {
        Name = "bed-exit",
        InputTopic = "rfid",
        OutputTopic = "rfid.predictions",
        AlertTopic = "rfid.alerts",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features = [new FeatureOptions { Field = "rssi", Transform = FeatureTransform.ZScore }],
        Target = new TargetOptions { Field = "in_bed", Horizon = 1 },
        Model = new ModelOptions { Cell = CellKind.Gru, HiddenSize = 4, Head = HeadKind.Binary, Seed = 5 },
    };

    /// <summary><paramref name="count"/> readings over <paramref name="keys"/> trials, one second apart.</summary>
    internal static InputRecord[] Readings(int count, int keys)
    {
        var random = new Random(3);
        var records = new InputRecord[count];
        for (int i = 0; i < count; i++)
        {
            string json = $$"""{"trial":"t{{i % keys}}","rssi":{{random.Next(-70, -40)}},"in_bed":{{((i / keys) % 4 == 3 ? 0 : 1)}}}""";
            records[i] = TestPipelines.Record(json, i, timestamp: 1_700_000_000_000 + i * 1000L);
        }

        return records;
    }

    private sealed class RecordingObserver : IPredictionObserver
    {
        public List<(PredictionEvent Prediction, long Offset, IRecordSink Sink)> Seen { get; } = [];

        public void OnPrediction(in PredictionEvent prediction, in InputRecord source, IRecordSink sink) =>
            Seen.Add((prediction, source.Offset, sink));
    }
}
