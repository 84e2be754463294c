using Prometheus;

namespace StreamRnn.Engine.Metrics;

/// <summary>
/// Every metric StreamRnn exports, defined in one place on an <see cref="IMetricFactory"/> (the default
/// registry in the daemon, a custom registry in tests). Labels name pipelines, topics, partitions and reasons,
/// never a series key, so the number of series stays bounded.
/// </summary>
public sealed partial class StreamRnnMetrics
{
    private static readonly double[] LatencyBuckets =
    [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ];

    private static readonly double[] StepBuckets =
    [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    ];

    private static readonly double[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

    private static readonly double[] RestoreBuckets = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    public StreamRnnMetrics(IMetricFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        RecordsConsumed = factory.CreateCounter("streamrnn_records_consumed_total",
            "Input records handed to a pipeline.", ["pipeline"]);
        PredictionsProduced = factory.CreateCounter("streamrnn_predictions_produced_total",
            "Prediction records emitted.", ["pipeline"]);
        DeadLetters = factory.CreateCounter("streamrnn_dead_letters_total",
            "Input records sent to the dead-letter topic, by reason.", ["pipeline", "reason"]);
        RecordsSkipped = factory.CreateCounter("streamrnn_records_skipped_total",
            "Input records not applied: duplicate (offset already applied) or late (older event time, dropped by policy).",
            ["pipeline", "reason"]);
        LateRecords = factory.CreateCounter("streamrnn_late_records_total",
            "Records older (by event time) than their key's last one, applied or dropped as LateRecords says.", ["pipeline"]);
        EndToEndLatency = factory.CreateHistogram("streamrnn_end_to_end_latency_seconds",
            "Time from a record's event time to its prediction being produced.",
            new HistogramConfiguration { LabelNames = ["pipeline"], Buckets = LatencyBuckets });
        StepLatency = factory.CreateHistogram("streamrnn_step_latency_seconds",
            "Duration of one batched recurrent step (gather, step, scatter).",
            new HistogramConfiguration { LabelNames = ["pipeline"], Buckets = StepBuckets });
        BatchSize = factory.CreateHistogram("streamrnn_batch_size",
            "Keys stepped together in one batched recurrent step.",
            new HistogramConfiguration { LabelNames = ["pipeline"], Buckets = BatchSizeBuckets });
        ConsumerLag = factory.CreateGauge("streamrnn_consumer_lag_records",
            "Records between the consumer's position and the partition's high watermark.", ["topic", "partition"]);
        Keys = factory.CreateGauge("streamrnn_keys", "Keys held in the state store.", ["pipeline"]);
        StateBytes = factory.CreateGauge("streamrnn_state_bytes", "Bytes held by the per-key state store.", ["pipeline"]);
        Restores = factory.CreateCounter("streamrnn_restores_total",
            "Partition state restores (from a snapshot or the changelog).", ["pipeline"]);
        RestoredRecords = factory.CreateCounter("streamrnn_restored_records_total",
            "Changelog records applied during restores.", ["pipeline"]);
        RestoreDuration = factory.CreateHistogram("streamrnn_restore_duration_seconds",
            "Duration of one partition restore.",
            new HistogramConfiguration { LabelNames = ["pipeline"], Buckets = RestoreBuckets });
        Evictions = factory.CreateCounter("streamrnn_evictions_total",
            "Keys removed from the state store: ttl (idle too long) or capacity (MaxKeys reached).", ["pipeline", "reason"]);
        ModelVersion = factory.CreateGauge("streamrnn_model_version", "Version of the weights making predictions.", ["pipeline"]);
        ModelPromotions = factory.CreateCounter("streamrnn_model_promotions_total",
            "Trained weight versions promoted to inference.", ["pipeline"]);
        ModelRejections = factory.CreateCounter("streamrnn_model_rejections_total",
            "Trained weight versions not promoted, by reason.", ["pipeline", "reason"]);
        ModelRecordsRejected = factory.CreateCounter("streamrnn_model_records_rejected_total",
            "Model-topic records not handed to the trainer, by reason (unsigned, bad_signature, malformed, version, " +
            "non_finite, magnitude, too_many_sources).", ["pipeline", "reason"]);
        TrainingLoss = factory.CreateGauge("streamrnn_training_loss", "Mean loss of the last training round.", ["pipeline"]);
        TrainingWindows = factory.CreateCounter("streamrnn_training_windows_total",
            "Completed windows handed to the trainer.", ["pipeline"]);
        TrainingWindowsDropped = factory.CreateCounter("streamrnn_training_windows_dropped_total",
            "Completed windows dropped because the trainer's queue was full.", ["pipeline"]);
        PrequentialScored = factory.CreateCounter("streamrnn_prequential_scored_total",
            "Predictions scored when their target arrived.", ["pipeline"]);
        PrequentialError = factory.CreateCounter("streamrnn_prequential_error_total",
            "Sum of prequential errors (forecaster = model|baseline; metric = abs|squared|logloss|brier). " +
            "MAE = rate(abs) / rate(scored).",
            ["pipeline", "forecaster", "metric"]);
        PrequentialHorizonError = factory.CreateCounter("streamrnn_prequential_horizon_error_total",
            "Target:Horizons pipelines: streamrnn_prequential_error_total per horizon (horizon = h; forecaster = " +
            "model|baseline|ar|seasonal_naive; metric = abs|squared|logloss|brier). " +
            "MAE at h = rate(abs) / rate(streamrnn_prequential_horizon_scored_total).",
            ["pipeline", "horizon", "forecaster", "metric"]);
        PrequentialHorizonScored = factory.CreateCounter("streamrnn_prequential_horizon_scored_total",
            "Target:Horizons pipelines: forecasts of horizon h scored when their target arrived.", ["pipeline", "horizon"]);
        PrequentialCovered = factory.CreateCounter("streamrnn_prequential_covered_total",
            "Scored Gaussian forecasts whose central interval (interval = 80|95 percent) held the target. " +
            "Coverage = rate(covered) / rate(scored).",
            ["pipeline", "interval"]);
        PrequentialOutcomes = factory.CreateCounter("streamrnn_prequential_outcomes_total",
            "Scored Binary forecasts by decision outcome at p >= 0.5 (forecaster = model|baseline; outcome = " +
            "true_positive|false_positive|false_negative|true_negative), for precision and recall.",
            ["pipeline", "forecaster", "outcome"]);
        AlertsRaised = factory.CreateCounter("streamrnn_alerts_raised_total", "Alerts raised, by severity.",
            ["pipeline", "severity"]);
        AlertsCleared = factory.CreateCounter("streamrnn_alerts_cleared_total", "Alerts cleared.", ["pipeline"]);
        BackpressurePauses = factory.CreateCounter("streamrnn_backpressure_pauses_total",
            "Times the consumer paused its partitions because outputs were not acknowledged fast enough.");
        ProduceErrors = factory.CreateCounter("streamrnn_produce_errors_total", "Failed produce requests, by topic.", ["topic"]);
        DeadLettersTruncated = factory.CreateCounter("streamrnn_dead_letters_truncated_total",
            "Dead letters whose original key or value was cut to fit the producer's message.max.bytes (headers keep the original sizes).", ["pipeline"]);
        DeadLettersFailed = factory.CreateCounter("streamrnn_dead_letters_failed_total",
            "Dead letters the producer refused outright; logged and skipped so the loop goes on.", ["pipeline"]);
        Ready = factory.CreateGauge("streamrnn_ready", "1 when every partition is restored and the broker is reachable, else 0.");
        CreateStateSafetyMetrics(factory);
    }

    public Counter RecordsConsumed { get; }
    public Counter PredictionsProduced { get; }
    public Counter DeadLetters { get; }
    public Counter RecordsSkipped { get; }
    public Counter LateRecords { get; }
    public Histogram EndToEndLatency { get; }
    public Histogram StepLatency { get; }
    public Histogram BatchSize { get; }
    public Gauge ConsumerLag { get; }
    public Gauge Keys { get; }
    public Gauge StateBytes { get; }
    public Counter Restores { get; }
    public Counter RestoredRecords { get; }
    public Histogram RestoreDuration { get; }
    public Counter Evictions { get; }
    public Gauge ModelVersion { get; }
    public Counter ModelPromotions { get; }
    public Counter ModelRejections { get; }
    public Counter ModelRecordsRejected { get; }
    public Gauge TrainingLoss { get; }
    public Counter TrainingWindows { get; }
    public Counter TrainingWindowsDropped { get; }
    public Counter PrequentialScored { get; }
    public Counter PrequentialCovered { get; }
    public Counter PrequentialOutcomes { get; }
    public Counter PrequentialError { get; }
    public Counter PrequentialHorizonError { get; }
    public Counter PrequentialHorizonScored { get; }
    public Counter AlertsRaised { get; }
    public Counter AlertsCleared { get; }
    public Counter BackpressurePauses { get; }
    public Counter ProduceErrors { get; }
    public Counter DeadLettersTruncated { get; }
    public Counter DeadLettersFailed { get; }
    public Gauge Ready { get; }

    /// <summary>
    /// Creates every child series of one pipeline (all known label values) so they exist from the start, and
    /// returns them for allocation-free use on the hot path.
    /// </summary>
    public PipelineMetrics ForPipeline(string pipeline) => new(this, pipeline);
}
