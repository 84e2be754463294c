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
    public int Steps => Times.Length;
}
