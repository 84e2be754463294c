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

    /// <summary>Half-width of the 80 % interval published at step j: the record's, else z₀.₉·σ.</summary>
    public double Width80(int j) => j < Half80.Length && double.IsFinite(Half80[j]) ? Half80[j] : ForecastAccumulator.Z80 * Spread[j];

    /// <summary>Half-width of the 95 % interval published at step j: the record's, else z₀.₉₇₅·σ.</summary>
    public double Width95(int j) => j < Half95.Length && double.IsFinite(Half95[j]) ? Half95[j] : ForecastAccumulator.Z95 * Spread[j];

    public int Steps => Times.Length;
}
