namespace StreamRnn.Engine.Scoring;

/// <summary>
/// Prequential (predict, then score when the target arrives) accuracy of a pipeline since it started, for the
/// model and for the naive baseline on the same events. Regression: errors in target units; Binary: the
/// "mean" errors are of the probability, plus log-loss and Brier score. NaN where not applicable or nothing scored.
/// </summary>
/// <param name="Scored">Predictions scored.</param>
/// <param name="ModelMae">Mean absolute error of the model.</param>
/// <param name="ModelRmse">Root mean squared error of the model.</param>
/// <param name="BaselineMae">Mean absolute error of the baseline (persistence: 0 change for Difference/LogReturn
/// targets, the last value for Raw; the key's running base rate for Binary).</param>
/// <param name="BaselineRmse">Root mean squared error of the baseline.</param>
/// <param name="Coverage80">Share of targets inside the model's central 80% interval (Gaussian head), ideally 0.8.</param>
/// <param name="ModelLogLoss">Mean binary cross-entropy of the model (Binary head).</param>
/// <param name="BaselineLogLoss">Mean binary cross-entropy of the baseline (Binary head).</param>
/// <param name="ModelBrier">Mean Brier score of the model (Binary head).</param>
/// <param name="BaselineBrier">Mean Brier score of the baseline (Binary head).</param>
public sealed record PrequentialSummary(
    long Scored,
    double ModelMae,
    double ModelRmse,
    double BaselineMae,
    double BaselineRmse,
    double Coverage80,
    double ModelLogLoss,
    double BaselineLogLoss,
    double ModelBrier,
    double BaselineBrier)
{
    /// <summary>Share of targets inside the model's central 95% interval (Gaussian head), ideally 0.95.</summary>
    public double Coverage95 { get; init; } = double.NaN;

    /// <summary>Binary head: of the predictions with p ≥ 0.5, the share whose target was 1 (NaN if there were none).</summary>
    public double ModelPrecision { get; init; } = double.NaN;

    /// <summary>Binary head: of the targets that were 1, the share predicted with p ≥ 0.5 (NaN if there were none).</summary>
    public double ModelRecall { get; init; } = double.NaN;

    /// <summary>The baseline's precision at the same threshold.</summary>
    public double BaselinePrecision { get; init; } = double.NaN;

    /// <summary>The baseline's recall at the same threshold.</summary>
    public double BaselineRecall { get; init; } = double.NaN;

    /// <summary>The live strong baselines (regression heads: "ar", "seasonal_naive"; see Baselines in the pipeline).</summary>
    public IReadOnlyList<BaselineAccuracy> Baselines { get; init; } = [];
}
