namespace StreamRnn.Engine;

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
    double BaselineBrier);
