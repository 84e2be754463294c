using System.Globalization;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Shows how far a replay is. On a terminal: one bar redrawn in place (carriage return, at most every 100 ms).
/// Otherwise (a log file, a pipe, CI): a plain line at every tenth of the rows, so logs stay readable.
/// </summary>
internal sealed class ProgressReporter(TextWriter writer, bool interactive, TimeProvider time)
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private long _total;
    private long _started;
    private long _lastDrawn;
    private int _lastTenth;

    /// <summary>True when standard error is a terminal, so the bar can be redrawn in place.</summary>
    public static bool StandardErrorIsTerminal => !Console.IsErrorRedirected;

    public void Start(long rows)
    {
        _total = rows;
        _started = time.GetTimestamp();
        _lastDrawn = long.MinValue;
        _lastTenth = 0;
    }

    public void Report(long done)
    {
        if (interactive)
        {
            long now = time.GetTimestamp();
            if (_lastDrawn == long.MinValue || time.GetElapsedTime(_lastDrawn, now) >= RedrawInterval)
            {
                _lastDrawn = now;
                writer.Write("\r" + Bar(done));
                writer.Flush();
            }

            return;
        }

        int tenth = _total == 0 ? 10 : (int)(done * 10 / _total);
        if (tenth > _lastTenth && done < _total)
        {
            _lastTenth = tenth;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"backtest: {tenth * 10}% ({done:N0}/{_total:N0} rows, {Rate(done):N0} rows/s)"));
        }
    }

    public void Finish(long rows, TimeSpan elapsed)
    {
        if (interactive)
        {
            writer.WriteLine("\r" + Bar(rows));
        }

        double seconds = elapsed.TotalSeconds;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backtest: {rows:N0} rows replayed in {seconds:F2} s ({(seconds > 0 ? rows / seconds : 0):N0} rows/s)"));
        writer.Flush();
    }

    private string Bar(long done)
    {
        double fraction = _total == 0 ? 1 : (double)done / _total;
        int filled = (int)Math.Round(fraction * BarWidth);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {fraction * 100,3:F0}%  {done:N0}/{_total:N0} rows  {Rate(done):N0} rows/s");
    }

    private double Rate(long done)
    {
        double seconds = time.GetElapsedTime(_started).TotalSeconds;
        return seconds > 0 ? done / seconds : 0;
    }
}
