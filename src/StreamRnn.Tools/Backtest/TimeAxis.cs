using System.Globalization;
using ScottPlot;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The charts' time axis: calendar dates when the data spans days, else seconds since its first record (trial data
/// such as the bed-exit recordings counts time from each trial's start, which as a date would read "1970-01-01").
/// </summary>
internal sealed class TimeAxis
{
    private readonly bool _dates;
    private readonly long _origin;

    private TimeAxis(bool dates, long origin)
    {
        _dates = dates;
        _origin = origin;
    }

    public static TimeAxis For(IEnumerable<KeyTrack> tracks)
    {
        long first = long.MaxValue, last = long.MinValue;
        foreach (var track in tracks)
        {
            if (track.Steps > 0)
            {
                first = Math.Min(first, track.Times[0]);
                last = Math.Max(last, track.Times[^1]);
            }
        }

        return first == long.MaxValue ? new TimeAxis(false, 0) : new TimeAxis(last - first >= 86_400_000L, first);
    }

    /// <summary>The x coordinate of an event time.</summary>
    public double X(long unixMs) => _dates ? DateTime.UnixEpoch.AddMilliseconds(unixMs).ToOADate() : (unixMs - _origin) / 1000.0;

    public void Apply(Plot plot)
    {
        if (_dates)
        {
            plot.Axes.DateTimeTicksBottom();
        }
        else
        {
            string start = DateTime.UnixEpoch.AddMilliseconds(_origin).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            plot.XLabel($"seconds since {start}");
        }
    }
}
