namespace StreamRnn.Daemon.Backtest;

/// <summary>One key's rows, predictions and accuracy per forecaster.</summary>
internal sealed record KeyScore(string Key, int Steps, int Predictions, IReadOnlyDictionary<string, ForecastMetrics> Forecasters);
