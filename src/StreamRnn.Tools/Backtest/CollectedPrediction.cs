namespace StreamRnn.Daemon.Backtest;

/// <summary>A prediction record as the backtest read it back from the sink.</summary>
/// <param name="Offset">Offset of the source record (its index in replay order).</param>
/// <param name="Mean">Mean (Gaussian), value (Linear) or probability p (Binary).</param>
/// <param name="StandardDeviation">Gaussian only, else NaN.</param>
internal readonly record struct CollectedPrediction(long Offset, string Key, long EventTimeUnixMs, long ModelVersion, double Mean, double StandardDeviation);
