namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// One key's applied records in order (its steps), with the target and the prediction made at each step: what the
/// scoring walks and the charts draw.
/// </summary>
/// <param name="Times">Event time of each step.</param>
/// <param name="Raw">Raw target field value x at each step.</param>
/// <param name="Y">The target in forecast units at each step (after the target transform); NaN at a first step of a difference.</param>
/// <param name="Mean">The prediction made at each step (mean, value or p), NaN where none was made.</param>
/// <param name="Spread">Its standard deviation (Gaussian), else NaN.</param>
/// <param name="InEventState">Whether the event column held the event value at each step (see --event-column).</param>
/// <param name="Offsets">The offset (replay index) of each step's record.</param>
internal sealed record KeyTrack(string Key, long[] Times, double[] Raw, double[] Y, double[] Mean, double[] Spread, bool[] InEventState, long[] Offsets)
{
    /// <summary>Half-widths of the record's 80 % intervals (NaN where it has none: use z·σ).</summary>
    public double[] Half80 { get; init; } = [];

    /// <summary>Half-widths of the record's 95 % intervals.</summary>
    public double[] Half95 { get; init; } = [];

    /// <summary>The Linear path's forecast before its guard at each step (NaN where the record has none).</summary>
    public double[] Unguarded { get; init; } = [];

    /// <summary>
    /// Half-width of the 80 % interval published at step j: z₀.₉·σ when the record has none or its bounds (9 significant
    /// digits) are that, else the record's (a Linear path's calibrated multiplier).
    /// </summary>
    public double Width80(int j) => Width(Half80, j, ForecastAccumulator.Z80 * Spread[j]);

    /// <summary>Half-width of the 95 % interval published at step j (as <see cref="Width80"/>, with z₀.₉₇₅).</summary>
    public double Width95(int j) => Width(Half95, j, ForecastAccumulator.Z95 * Spread[j]);

    private static double Width(double[] halves, int j, double gaussian) =>
        j < halves.Length && double.IsFinite(halves[j]) && Math.Abs(halves[j] - gaussian) > 1e-7 * Math.Abs(gaussian) ? halves[j] : gaussian;

    public int Steps => Times.Length;
}
