using Prometheus;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Engine.Metrics;

/// <summary>
/// The child series of one pipeline, resolved once so the hot path does no label lookups. Creating it
/// pre-creates every series the pipeline can emit (every dead-letter reason, skip reason, eviction reason,
/// forecaster and error metric), so dashboards and alerts see zeros rather than missing series.
/// </summary>
public sealed class PipelineMetrics
{
    /// <summary>Label values of streamrnn_records_skipped_total.</summary>
    public static readonly string[] SkipReasons = ["duplicate", "late"];

    /// <summary>Label values of streamrnn_evictions_total.</summary>
    public static readonly string[] EvictionReasons = ["ttl", "capacity"];

    /// <summary>Label values of the forecaster label of streamrnn_prequential_error_total.</summary>
    public static readonly string[] Forecasters = ["model", "baseline"];

    /// <summary>Label values of the metric label of streamrnn_prequential_error_total.</summary>
    public static readonly string[] ErrorMetrics = ["abs", "squared", "logloss", "brier"];

    private readonly Counter.Child[] _deadLetters;
    private readonly StreamRnnMetrics _metrics;

    internal PipelineMetrics(StreamRnnMetrics metrics, string pipeline)
    {
        Pipeline = pipeline;
        _metrics = metrics;
        RecordsConsumed = metrics.RecordsConsumed.WithLabels(pipeline);
        PredictionsProduced = metrics.PredictionsProduced.WithLabels(pipeline);
        var reasons = Enum.GetValues<DeadLetterReason>();
        _deadLetters = new Counter.Child[(int)reasons.Max() + 1];
        foreach (var reason in reasons)
        {
            _deadLetters[(int)reason] = metrics.DeadLetters.WithLabels(pipeline, reason.ToString());
        }

        SkippedDuplicate = metrics.RecordsSkipped.WithLabels(pipeline, SkipReasons[0]);
        SkippedLate = metrics.RecordsSkipped.WithLabels(pipeline, SkipReasons[1]);
        LateRecords = metrics.LateRecords.WithLabels(pipeline);
        EndToEndLatency = metrics.EndToEndLatency.WithLabels(pipeline);
        StepLatency = metrics.StepLatency.WithLabels(pipeline);
        BatchSize = metrics.BatchSize.WithLabels(pipeline);
        Keys = metrics.Keys.WithLabels(pipeline);
        StateBytes = metrics.StateBytes.WithLabels(pipeline);
        Restores = metrics.Restores.WithLabels(pipeline);
        RestoredRecords = metrics.RestoredRecords.WithLabels(pipeline);
        RestoreDuration = metrics.RestoreDuration.WithLabels(pipeline);
        EvictedTtl = metrics.Evictions.WithLabels(pipeline, EvictionReasons[0]);
        EvictedCapacity = metrics.Evictions.WithLabels(pipeline, EvictionReasons[1]);
        ModelVersion = metrics.ModelVersion.WithLabels(pipeline);
        ModelPromotions = metrics.ModelPromotions.WithLabels(pipeline);
        TrainingLoss = metrics.TrainingLoss.WithLabels(pipeline);
        TrainingWindows = metrics.TrainingWindows.WithLabels(pipeline);
        TrainingWindowsDropped = metrics.TrainingWindowsDropped.WithLabels(pipeline);
        PrequentialScored = metrics.PrequentialScored.WithLabels(pipeline);
        ModelAbsoluteError = metrics.PrequentialError.WithLabels(pipeline, "model", "abs");
        ModelSquaredError = metrics.PrequentialError.WithLabels(pipeline, "model", "squared");
        ModelLogLoss = metrics.PrequentialError.WithLabels(pipeline, "model", "logloss");
        ModelBrier = metrics.PrequentialError.WithLabels(pipeline, "model", "brier");
        BaselineAbsoluteError = metrics.PrequentialError.WithLabels(pipeline, "baseline", "abs");
        BaselineSquaredError = metrics.PrequentialError.WithLabels(pipeline, "baseline", "squared");
        BaselineLogLoss = metrics.PrequentialError.WithLabels(pipeline, "baseline", "logloss");
        BaselineBrier = metrics.PrequentialError.WithLabels(pipeline, "baseline", "brier");
        Covered80 = metrics.PrequentialCovered.WithLabels(pipeline, "80");
        Covered95 = metrics.PrequentialCovered.WithLabels(pipeline, "95");
        ModelOutcomes = [.. PrequentialScorer.Outcomes.Select(o => metrics.PrequentialOutcomes.WithLabels(pipeline, "model", o))];
        BaselineOutcomes = [.. PrequentialScorer.Outcomes.Select(o => metrics.PrequentialOutcomes.WithLabels(pipeline, "baseline", o))];
        AlertsCleared = metrics.AlertsCleared.WithLabels(pipeline);
    }

    public string Pipeline { get; }
    public Counter.Child RecordsConsumed { get; }
    public Counter.Child PredictionsProduced { get; }
    public Counter.Child SkippedDuplicate { get; }
    public Counter.Child SkippedLate { get; }
    public Counter.Child LateRecords { get; }
    public Histogram.Child EndToEndLatency { get; }
    public Histogram.Child StepLatency { get; }
    public Histogram.Child BatchSize { get; }
    public Gauge.Child Keys { get; }
    public Gauge.Child StateBytes { get; }
    public Counter.Child Restores { get; }
    public Counter.Child RestoredRecords { get; }
    public Histogram.Child RestoreDuration { get; }
    public Counter.Child EvictedTtl { get; }
    public Counter.Child EvictedCapacity { get; }
    public Gauge.Child ModelVersion { get; }
    public Counter.Child ModelPromotions { get; }
    public Gauge.Child TrainingLoss { get; }
    public Counter.Child TrainingWindows { get; }
    public Counter.Child TrainingWindowsDropped { get; }
    public Counter.Child PrequentialScored { get; }
    public Counter.Child Covered80 { get; }
    public Counter.Child Covered95 { get; }

    /// <summary>Indexed like <see cref="PrequentialScorer.Outcomes"/>.</summary>
    public Counter.Child[] ModelOutcomes { get; }

    /// <summary>Indexed like <see cref="PrequentialScorer.Outcomes"/>.</summary>
    public Counter.Child[] BaselineOutcomes { get; }
    public Counter.Child ModelAbsoluteError { get; }
    public Counter.Child ModelSquaredError { get; }
    public Counter.Child ModelLogLoss { get; }
    public Counter.Child ModelBrier { get; }
    public Counter.Child BaselineAbsoluteError { get; }
    public Counter.Child BaselineSquaredError { get; }
    public Counter.Child BaselineLogLoss { get; }
    public Counter.Child BaselineBrier { get; }
    public Counter.Child AlertsCleared { get; }

    /// <summary>The per-horizon error series of horizon <paramref name="horizon"/> (Target:Horizons), with these strong baselines.</summary>
    public HorizonErrorCounters HorizonErrors(int horizon, IReadOnlyList<string> baselines) => new(_metrics, Pipeline, horizon, baselines);

    /// <summary>The dead-letter counter of one reason.</summary>
    public Counter.Child DeadLetters(DeadLetterReason reason) => _deadLetters[(int)reason];
}
