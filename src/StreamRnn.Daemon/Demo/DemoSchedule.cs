using System.Globalization;
using StreamRnn.Daemon.Csv;

namespace StreamRnn.Daemon.Demo;

/// <summary>
/// A demo file laid out as a timeline: every series starts at offset 0 and keeps its own spacing, rows are ordered
/// by offset (then file order), and the timeline repeats every <see cref="Cycle"/> seconds of data time.
/// </summary>
/// <remarks>
/// Starting all series together (rather than at their absolute times) makes the demo show every key at once; for
/// the stock file the symbols share their dates anyway. <c>Cycle</c> = the longest series' span plus the median gap
/// between consecutive rows, so the first row of a repeat follows the last row of the previous pass by one
/// ordinary step. A repeat shifts the time column by <c>pass × Cycle</c>, so event time keeps increasing.
/// </remarks>
internal sealed class DemoSchedule
{
    private static readonly string[] DateTimeFormats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    private DemoSchedule(DemoFeedDefinition feed, IReadOnlyList<string> header, IReadOnlyList<DemoRow> rows, int timeColumn, double cycle)
    {
        Feed = feed;
        Header = header;
        Rows = rows;
        TimeColumn = timeColumn;
        Cycle = cycle;
    }

    public DemoFeedDefinition Feed { get; }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<DemoRow> Rows { get; }

    public int TimeColumn { get; }

    /// <summary>Seconds of data time after which the timeline repeats.</summary>
    public double Cycle { get; }

    public static DemoSchedule Load(DemoFeedDefinition feed, string path)
    {
        using var csv = CsvReader.Open(path);
        int timeColumn = RequireColumn(csv, feed.TimeColumn, path);
        int keyColumn = feed.KeyColumn is null ? -1 : RequireColumn(csv, feed.KeyColumn, path);
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        var rows = new List<(DemoRow Row, int Order)>();
        var gaps = new List<double>();
        var previous = new Dictionary<string, double>(StringComparer.Ordinal);
        var fields = new List<string>();
        while (csv.TryReadRow(fields))
        {
            string key = keyColumn < 0 ? feed.FixedKey ?? "demo" : fields[keyColumn];
            double time = ParseTime(fields[timeColumn], feed.TimeFormat)
                ?? throw new InvalidDataException($"{path}, line {csv.RowLine}: {feed.TimeColumn} = '{fields[timeColumn]}' is not a {feed.TimeFormat} time.");
            if (!series.TryGetValue(key, out double start))
            {
                series[key] = start = time;
            }

            if (previous.TryGetValue(key, out double last) && time > last)
            {
                gaps.Add(time - last);
            }

            previous[key] = time;
            rows.Add((new DemoRow(time - start, time, key, [.. fields]), rows.Count));
        }

        if (rows.Count == 0)
        {
            throw new InvalidDataException($"{path}: no rows.");
        }

        rows.Sort((a, b) => a.Row.Offset != b.Row.Offset ? a.Row.Offset.CompareTo(b.Row.Offset) : a.Order.CompareTo(b.Order));
        gaps.Sort();
        double step = gaps.Count > 0 ? gaps[gaps.Count / 2] : 1;
        double cycle = rows[^1].Row.Offset + step;
        return new DemoSchedule(feed, csv.Header, [.. rows.Select(r => r.Row)], timeColumn, cycle);
    }

    /// <summary>The row's time column as it reads on pass <paramref name="pass"/> (0 = unchanged).</summary>
    public string TimeText(DemoRow row, long pass) =>
        pass == 0 ? row.Fields[TimeColumn] : FormatTime(row.Time + pass * Cycle, Feed.TimeFormat);

    public static double? ParseTime(string text, DemoTimeFormat format)
    {
        switch (format)
        {
            case DemoTimeFormat.Date:
                return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds()
                    : null;
            case DemoTimeFormat.DateTime:
                return DateTime.TryParseExact(text, DateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var moment)
                    ? (moment - DateTime.UnixEpoch).TotalSeconds
                    : null;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && double.IsFinite(seconds)
                    ? seconds
                    : null;
        }
    }

    public static string FormatTime(double time, DemoTimeFormat format) => format switch
    {
        DemoTimeFormat.Date => DateTime.UnixEpoch.AddSeconds(Math.Round(time / 86_400) * 86_400).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DemoTimeFormat.DateTime => DateTime.UnixEpoch.AddSeconds(Math.Round(time)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        _ => Math.Round(time, 6).ToString("R", CultureInfo.InvariantCulture),
    };

    private static int RequireColumn(CsvReader csv, string column, string path)
    {
        int index = csv.ColumnIndex(column);
        return index >= 0
            ? index
            : throw new InvalidDataException($"{path}: no column '{column}' (columns: {string.Join(", ", csv.Header)}).");
    }
}
