namespace StreamRnn.Daemon.Backtest;

/// <summary>An alert record as the backtest read it back from the sink.</summary>
internal sealed record CollectedAlert(string Key, long EventTimeUnixMs, bool Raised, string Severity, double Probability, string Reason, long ModelVersion);
