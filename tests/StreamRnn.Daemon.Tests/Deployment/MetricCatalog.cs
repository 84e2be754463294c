namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The metric names the project fixed (issue #6), plus streamrnn_late_records_total, which the engine added to
/// count out-of-order records whatever the late-record policy does with them, and the state-safety metrics
/// (quarantined state, stale restored records, partitions restoring, fencing), and the per-horizon prequential metrics of
/// Target:Horizons pipelines (issue #10). Rules, dashboards and docs may use
/// these and nothing else; <see cref="MetricCatalogTests"/> proves that the daemon's metrics class exports exactly
/// these.
/// </summary>
internal static class MetricCatalog
{
    private const string Pipeline = "pipeline";

    public static readonly IReadOnlyList<CatalogMetric> All =
    [
        new("streamrnn_records_consumed_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_predictions_produced_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_dead_letters_total", MetricKind.Counter, [Pipeline, "reason"]),
        new("streamrnn_dead_letters_truncated_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_dead_letters_failed_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_records_skipped_total", MetricKind.Counter, [Pipeline, "reason"]),
        new("streamrnn_late_records_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_end_to_end_latency_seconds", MetricKind.Histogram, [Pipeline]),
        new("streamrnn_step_latency_seconds", MetricKind.Histogram, [Pipeline]),
        new("streamrnn_batch_size", MetricKind.Histogram, [Pipeline]),
        new("streamrnn_consumer_lag_records", MetricKind.Gauge, ["topic", "partition"]),
        new("streamrnn_keys", MetricKind.Gauge, [Pipeline]),
        new("streamrnn_state_bytes", MetricKind.Gauge, [Pipeline]),
        new("streamrnn_restores_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_restored_records_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_restore_duration_seconds", MetricKind.Histogram, [Pipeline]),
        new("streamrnn_restore_partitions_restoring", MetricKind.Gauge, [Pipeline]),
        new("streamrnn_restore_stale_records_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_state_quarantined_total", MetricKind.Counter, [Pipeline, "reason"]),
        new("streamrnn_fenced_total", MetricKind.Counter, []),
        new("streamrnn_evictions_total", MetricKind.Counter, [Pipeline, "reason"]),
        new("streamrnn_model_version", MetricKind.Gauge, [Pipeline]),
        new("streamrnn_model_promotions_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_model_rejections_total", MetricKind.Counter, [Pipeline, "reason"]),
        new("streamrnn_model_records_rejected_total", MetricKind.Counter, [Pipeline, "reason"]),
        new("streamrnn_training_loss", MetricKind.Gauge, [Pipeline]),
        new("streamrnn_training_windows_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_training_windows_dropped_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_prequential_scored_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_prequential_error_total", MetricKind.Counter, [Pipeline, "forecaster", "metric"]),
        new("streamrnn_prequential_horizon_scored_total", MetricKind.Counter, [Pipeline, "horizon"]),
        new("streamrnn_prequential_horizon_error_total", MetricKind.Counter, [Pipeline, "horizon", "forecaster", "metric"]),
        new("streamrnn_prequential_covered_total", MetricKind.Counter, [Pipeline, "interval"]),
        new("streamrnn_prequential_outcomes_total", MetricKind.Counter, [Pipeline, "forecaster", "outcome"]),
        new("streamrnn_alerts_raised_total", MetricKind.Counter, [Pipeline, "severity"]),
        new("streamrnn_alerts_cleared_total", MetricKind.Counter, [Pipeline]),
        new("streamrnn_backpressure_pauses_total", MetricKind.Counter, []),
        new("streamrnn_produce_errors_total", MetricKind.Counter, ["topic"]),
        new("streamrnn_ready", MetricKind.Gauge, []),
    ];

    private static readonly Dictionary<string, CatalogMetric> BySeriesName =
        All.SelectMany(m => m.SeriesNames.Select(s => (s, m))).ToDictionary(p => p.s, p => p.m, StringComparer.Ordinal);

    /// <summary>The catalog metric a series name in a query belongs to, or null when it is not one.</summary>
    public static CatalogMetric? ForSeries(string seriesName) => BySeriesName.GetValueOrDefault(seriesName);
}
