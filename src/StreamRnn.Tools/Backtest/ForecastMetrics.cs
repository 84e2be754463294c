namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Prequential accuracy of one forecaster (the model or a naive baseline) over a set of scored forecasts; NaN where
/// it does not apply (no intervals, not a probability) or nothing was scored.
/// </summary>
/// <param name="Scored">Forecasts scored (made at a step whose target, h steps of the key later, arrived).</param>
/// <param name="Mae">Mean |y − ŷ| (of the probability for a Binary head).</param>
/// <param name="Rmse">√(mean (y − ŷ)²).</param>
/// <param name="Coverage80">Share of targets with |y − μ| ≤ 1.2816 σ (the central 80% Gaussian interval).</param>
/// <param name="Coverage95">Share of targets with |y − μ| ≤ 1.9600 σ.</param>
/// <param name="IntervalScored">Forecasts that had an interval (baselines need two past errors for one).</param>
/// <param name="LogLoss">Mean −(y ln p + (1 − y) ln(1 − p)), p clipped to [1e−7, 1 − 1e−7].</param>
/// <param name="Brier">Mean (p − y)².</param>
/// <param name="Precision">Of the readings with watched probability ≥ the threshold, the share where the watched outcome came.</param>
/// <param name="Recall">Of the readings where the watched outcome came, the share with watched probability ≥ the threshold.</param>
internal sealed record ForecastMetrics(
    long Scored,
    double Mae,
    double Rmse,
    double Coverage80,
    double Coverage95,
    long IntervalScored,
    double LogLoss,
    double Brier,
    double Precision,
    double Recall);
