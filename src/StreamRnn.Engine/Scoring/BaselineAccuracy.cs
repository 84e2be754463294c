namespace StreamRnn.Engine.Scoring;

/// <summary>Prequential accuracy of one live baseline ("ar", "seasonal_naive") on the model's scored forecasts.</summary>
/// <param name="Forecaster">The forecaster label of streamrnn_prequential_error_total.</param>
/// <param name="Scored">Forecasts scored.</param>
/// <param name="Mae">Mean absolute error (NaN before the first).</param>
/// <param name="Rmse">Root mean squared error (NaN before the first).</param>
public sealed record BaselineAccuracy(string Forecaster, long Scored, double Mae, double Rmse);
