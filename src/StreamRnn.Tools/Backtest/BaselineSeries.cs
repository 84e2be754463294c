namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// One baseline's forecasts along one key's steps: the forecast made at step j for the target h steps later (the
/// model's target), in the target's units (a probability for a Binary head), with an interval or a decision.
/// </summary>
/// <param name="Name">The forecaster's name in the report (persistence, mean, ar, seasonal_naive, base_rate, rule).</param>
/// <param name="Forecast">The forecast made at each step; every step has one once the key has a first target.</param>
/// <param name="Sigma">Regression: the standard deviation of its interval at each step (NaN = no interval yet).</param>
/// <param name="Flagged">Binary: whether the forecast at each step raises the watched outcome; null = by the alert
/// threshold on the watched probability.</param>
internal sealed record BaselineSeries(string Name, double[] Forecast, double[] Sigma, bool[]? Flagged = null);
