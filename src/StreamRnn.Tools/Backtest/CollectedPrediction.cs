namespace StreamRnn.Daemon.Backtest;

/// <summary>A prediction record as the backtest read it back from the sink.</summary>
/// <param name="Offset">Offset of the source record (its index in replay order).</param>
/// <param name="Mean">Mean (Gaussian), value (Linear) or probability p (Binary).</param>
/// <param name="StandardDeviation">Gaussian only, else NaN.</param>
/// <param name="Half80">Half the width of the record's interval_80 (NaN when it has none).</param>
/// <param name="Half95">Half the width of interval_95.</param>
/// <param name="Unguarded">The Linear path's combination before its guard ("unguarded"), NaN when absent.</param>
/// <param name="Horizons">With Target:Horizons, the "horizons" array: per horizon mean (or value), stddev, half the
/// interval_80 and interval_95 widths (4 doubles each, NaN where absent); null without it.</param>
internal readonly record struct CollectedPrediction(long Offset, string Key, long EventTimeUnixMs, long ModelVersion, double Mean,
    double StandardDeviation, double Half80 = double.NaN, double Half95 = double.NaN, double Unguarded = double.NaN,
    double[]? Horizons = null)
{
    /// <summary>Doubles per horizon in <see cref="Horizons"/>.</summary>
    public const int HorizonWidth = 4;
}
