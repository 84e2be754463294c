using System.Text;
using Prometheus;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class StreamRnnMetricsTests
{
    private static async Task<string> Export(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public async Task Every_series_of_a_pipeline_exists_from_the_start()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(registry));
        metrics.ForPipeline("stocks");
        string text = await Export(registry);
        foreach (string reason in Enum.GetNames<DeadLetterReason>())
        {
            Assert.Contains($"streamrnn_dead_letters_total{{pipeline=\"stocks\",reason=\"{reason}\"}} 0", text, StringComparison.Ordinal);
        }

        Assert.Contains("streamrnn_records_skipped_total{pipeline=\"stocks\",reason=\"duplicate\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_evictions_total{pipeline=\"stocks\",reason=\"capacity\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_prequential_error_total{pipeline=\"stocks\",forecaster=\"baseline\",metric=\"brier\"} 0", text, StringComparison.Ordinal);
        foreach (string? name in new[]
                 {
                     "streamrnn_records_consumed_total", "streamrnn_predictions_produced_total", "streamrnn_end_to_end_latency_seconds",
                     "streamrnn_step_latency_seconds", "streamrnn_batch_size", "streamrnn_consumer_lag_records", "streamrnn_keys",
                     "streamrnn_state_bytes", "streamrnn_restores_total", "streamrnn_restored_records_total",
                     "streamrnn_restore_duration_seconds", "streamrnn_model_version", "streamrnn_model_promotions_total",
                     "streamrnn_model_rejections_total", "streamrnn_training_loss", "streamrnn_training_windows_total",
                     "streamrnn_training_windows_dropped_total", "streamrnn_prequential_scored_total", "streamrnn_alerts_raised_total",
                     "streamrnn_alerts_cleared_total", "streamrnn_backpressure_pauses_total", "streamrnn_produce_errors_total", "streamrnn_ready",
                 })
        {
            Assert.Contains($"# TYPE {name} ", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_runtime_counts_what_it_does_and_labels_never_carry_a_key()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(registry));
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks(), metrics: metrics);
        var sink = new RecordingSink();
        var records = TestPipelines.StockRecords(60, keys: 3);
        runtime.Process(records, sink);
        runtime.Process([records[0], TestPipelines.Record("{", 99)], sink);
        string text = await Export(registry);

        Assert.Contains("streamrnn_records_consumed_total{pipeline=\"stocks\"} 62", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_predictions_produced_total{pipeline=\"stocks\"} 57", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_dead_letters_total{pipeline=\"stocks\",reason=\"MalformedJson\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_records_skipped_total{pipeline=\"stocks\",reason=\"duplicate\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_keys{pipeline=\"stocks\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_model_version{pipeline=\"stocks\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_end_to_end_latency_seconds_count{pipeline=\"stocks\"} 57", text, StringComparison.Ordinal);
        Assert.Contains("streamrnn_batch_size_sum{pipeline=\"stocks\"} 60", text, StringComparison.Ordinal);
        Assert.Contains($"streamrnn_prequential_scored_total{{pipeline=\"stocks\"}} {runtime.GetPrequentialSummary().Scored}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("S0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("S1", text, StringComparison.Ordinal);
    }
}
