using System.Globalization;
using System.Text;
using StreamRnn.Daemon.Csv;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The CSV, read whole and put in event-time order: each row becomes the record the daemon would have consumed had
/// the same file been replayed into the input topic (<see cref="CsvRowEncoder"/>), keyed and timestamped the way the
/// pipeline says.
/// </summary>
/// <remarks>
/// Before any row is read, every column the pipeline needs must be in the header (features, target, key and
/// event-time fields, and the --key-column / --time-column given): a missing one is an error naming it, not a file
/// full of dead letters. The sort is stable, so rows with equal times keep their file order (and a key's rows their
/// offsets' order); rows whose time cannot be read go first and are dead-lettered by the runtime, as in the daemon.
/// </remarks>
internal sealed class BacktestInput
{
    private BacktestInput(IReadOnlyList<string> header, BacktestRow[] rows)
    {
        Header = header;
        Rows = rows;
    }

    public IReadOnlyList<string> Header { get; }

    /// <summary>The rows in replay order; a row's index is its offset.</summary>
    public BacktestRow[] Rows { get; }

    public static BacktestInput Load(BacktestSettings settings, PipelineDefinition definition)
    {
        if (!File.Exists(settings.CsvPath))
        {
            throw new BacktestException(2, $"--csv = '{settings.CsvPath}': the file does not exist.");
        }

        try
        {
            using var csv = CsvReader.Open(settings.CsvPath);
            return Read(csv, settings, definition);
        }
        catch (InvalidDataException exception)
        {
            throw new BacktestException(2, $"--csv: {exception.Message}");
        }
        catch (IOException exception)
        {
            throw new BacktestException(2, $"--csv = '{settings.CsvPath}': cannot be read: {exception.Message}");
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new BacktestException(2, $"--csv = '{settings.CsvPath}': cannot be read: {exception.Message}");
        }
    }

    private static BacktestInput Read(CsvReader csv, BacktestSettings settings, PipelineDefinition definition)
    {
        int Column(string name, string neededFor)
        {
            int index = csv.ColumnIndex(name);
            if (index < 0)
            {
                throw new BacktestException(2,
                    $"--csv = '{settings.CsvPath}' has no column '{name}', which {neededFor} (columns: {string.Join(", ", csv.Header)}).");
            }

            return index;
        }

        string pipeline = $"pipeline '{definition.Name}'";
        for (int i = 0; i < definition.Features.Count; i++)
        {
            Column(definition.Features[i].Field, $"{pipeline} needs for Features:{i}:Field");
            if (!string.IsNullOrEmpty(definition.Features[i].Over))
            {
                Column(definition.Features[i].Over, $"{pipeline} needs for Features:{i}:Over");
            }

            if (!string.IsNullOrEmpty(definition.Features[i].By))
            {
                Column(definition.Features[i].By, $"{pipeline} needs for Features:{i}:By");
            }
        }

        int targetColumn = Column(definition.Target.Field, $"{pipeline} needs for Target:Field");
        int keyColumn;
        bool keyIsRecordKey = definition.Key.Source == KeySource.RecordKey;
        if (keyIsRecordKey)
        {
            keyColumn = settings.KeyColumn is null ? -1 : Column(settings.KeyColumn, "--key-column names");
        }
        else
        {
            if (settings.KeyColumn is not null)
            {
                throw new BacktestException(2,
                    $"--key-column = '{settings.KeyColumn}': {pipeline} reads its key from field '{definition.Key.Field}' (Key:Source = Field); leave --key-column out.");
            }

            keyColumn = Column(definition.Key.Field!, $"{pipeline} needs for Key:Field");
        }

        int timeColumn;
        EventTimeFormat? format;
        bool timeIsRecordTimestamp = definition.EventTime.Source == EventTimeSource.RecordTimestamp;
        if (timeIsRecordTimestamp)
        {
            if (settings.TimeColumn is null)
            {
                throw new BacktestException(2,
                    $"{pipeline} takes event time from the record timestamp (EventTime:Source = RecordTimestamp): name the CSV column holding it with --time-column (columns: {string.Join(", ", csv.Header)}).");
            }

            timeColumn = Column(settings.TimeColumn, "--time-column names");
            format = settings.TimeFormat;
        }
        else
        {
            if (settings.TimeColumn is not null || settings.TimeFormat is not null)
            {
                throw new BacktestException(2,
                    $"--time-column/--time-format: {pipeline} reads its event time from field '{definition.EventTime.Field}' (EventTime:Source = Field); leave them out.");
            }

            timeColumn = Column(definition.EventTime.Field!, $"{pipeline} needs for EventTime:Field");
            format = definition.EventTime.Format;
        }

        if (settings.KeysInSequence && !timeIsRecordTimestamp)
        {
            throw new BacktestException(2,
                $"--key-replay = sequential: {pipeline} reads its event time from field '{definition.EventTime.Field}' inside the record, which a replay does not rewrite; it works with EventTime:Source = RecordTimestamp.");
        }

        int eventColumn = -1;
        if (settings.EventColumn is not null)
        {
            if (definition.Alerts is null)
            {
                throw new BacktestException(2,
                    $"--event-column = '{settings.EventColumn}': {pipeline} has no Alerts section, so there is no alert quality to measure.");
            }

            if (settings.EventValue is null)
            {
                throw new BacktestException(2, $"--event-column = '{settings.EventColumn}' needs --event-value, the value that marks the event.");
            }

            eventColumn = Column(settings.EventColumn, "--event-column names");
        }
        else if (settings.EventValue is not null)
        {
            throw new BacktestException(2, $"--event-value = '{settings.EventValue}' needs --event-column.");
        }

        string fixedKey = Path.GetFileNameWithoutExtension(settings.CsvPath);
        byte[] fixedKeyBytes = Encoding.UTF8.GetBytes(fixedKey);
        var encoder = new CsvRowEncoder(csv.Header);
        var fields = new List<string>();
        var rows = new List<BacktestRow>();
        var keyBytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        // With --keys the whole file is read first: a range "FIRST..LAST" is only known once LAST has appeared.
        long? readLimit = settings.Keys is null ? settings.Limit : null;
        while ((readLimit is null || rows.Count < readLimit) && csv.TryReadRow(fields))
        {
            string key;
            byte[] recordKey = [];
            if (keyIsRecordKey)
            {
                key = keyColumn < 0 ? fixedKey : fields[keyColumn];
                if (keyColumn < 0)
                {
                    recordKey = fixedKeyBytes;
                }
                else if (!keyBytes.TryGetValue(key, out recordKey!))
                {
                    keyBytes[key] = recordKey = Encoding.UTF8.GetBytes(key);
                }
            }
            else
            {
                key = fields[keyColumn];
            }

            long time = ParseTime(fields[timeColumn], format) ?? long.MinValue;
            // A Category target is scored as its event label: 1 for a Target:Positive category, 0 for another, NaN for none.
            double target = definition.Target.IsCategory
                ? definition.Target.Categories!.Contains(fields[targetColumn], StringComparer.Ordinal)
                    ? definition.Target.Positive!.Contains(fields[targetColumn], StringComparer.Ordinal) ? 1 : 0
                    : double.NaN
                : double.TryParse(fields[targetColumn], NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x : double.NaN;
            bool inEvent = eventColumn >= 0 && SameValue(fields[eventColumn], settings.EventValue!);
            rows.Add(new BacktestRow(csv.RowLine, key, time, target, encoder.Encode(fields).ToArray(), recordKey, inEvent));
        }

        if (settings.Keys is not null)
        {
            var kept = SelectKeys(rows, settings.Keys);
            rows = settings.Limit is { } limit && kept.Count > limit ? kept.GetRange(0, (int)limit) : kept;
        }

        var sorted = settings.KeysInSequence ? InSequence(rows) : rows.ToArray();
        // Array.Sort is not stable: the line number breaks ties, which keeps file order among equal times.
        Array.Sort(sorted, static (a, b) => a.EventTimeUnixMs != b.EventTimeUnixMs
            ? a.EventTimeUnixMs.CompareTo(b.EventTimeUnixMs)
            : a.Line.CompareTo(b.Line));
        return new BacktestInput(csv.Header, sorted);
    }

    /// <summary>
    /// Shifts each key's times so that the keys follow one another in order of first appearance: key k + 1 starts
    /// <see cref="SequenceGapMs"/> after key k's last readable time. Within a key the gaps are unchanged, so lead times
    /// and monitored hours are too. Rows without a readable time keep it unreadable.
    /// </summary>
    private static BacktestRow[] InSequence(List<BacktestRow> rows)
    {
        var first = new Dictionary<string, long>(StringComparer.Ordinal);
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (first.TryAdd(row.Key, long.MaxValue))
            {
                order.Add(row.Key);
                last[row.Key] = long.MinValue;
            }

            if (row.EventTimeUnixMs != long.MinValue)
            {
                first[row.Key] = Math.Min(first[row.Key], row.EventTimeUnixMs);
                last[row.Key] = Math.Max(last[row.Key], row.EventTimeUnixMs);
            }
        }

        var shift = new Dictionary<string, long>(StringComparer.Ordinal);
        long next = long.MinValue;
        foreach (string key in order)
        {
            if (first[key] == long.MaxValue)
            {
                shift[key] = 0;
                continue;
            }

            long start = next == long.MinValue ? first[key] : next;
            shift[key] = start - first[key];
            next = start + (last[key] - first[key]) + SequenceGapMs;
        }

        var shifted = new BacktestRow[rows.Count];
        for (int i = 0; i < shifted.Length; i++)
        {
            var row = rows[i];
            shifted[i] = row.EventTimeUnixMs == long.MinValue ? row : row with { EventTimeUnixMs = row.EventTimeUnixMs + shift[row.Key] };
        }

        return shifted;
    }

    /// <summary>
    /// The rows of the keys <paramref name="items"/> name, in file order: each item is a key, or "FIRST..LAST" for the
    /// keys from FIRST through LAST in order of first appearance. A key or range end that the file lacks, or a range
    /// whose LAST appears before FIRST, is an error (exit code 2) naming it.
    /// </summary>
    internal static List<BacktestRow> SelectKeys(List<BacktestRow> rows, IReadOnlyList<string> items)
    {
        var order = new List<string>();
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (position.TryAdd(row.Key, order.Count))
            {
                order.Add(row.Key);
            }
        }

        int Position(string key, string item) => position.TryGetValue(key, out int at) ? at
            : throw new BacktestException(2, $"--keys: '{item}' names key '{key}', which the file does not have ({order.Count} keys, first '{(order.Count > 0 ? order[0] : "")}').");

        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (string item in items)
        {
            int range = item.IndexOf("..", StringComparison.Ordinal);
            if (range < 0)
            {
                Position(item, item);
                wanted.Add(item);
                continue;
            }

            int first = Position(item[..range], item), last = Position(item[(range + 2)..], item);
            if (last < first)
            {
                throw new BacktestException(2, $"--keys: '{item}': '{item[(range + 2)..]}' first appears before '{item[..range]}' in the file.");
            }

            for (int k = first; k <= last; k++)
            {
                wanted.Add(order[k]);
            }
        }

        return rows.FindAll(row => wanted.Contains(row.Key));
    }

    /// <summary>Event time between one key's last reading and the next key's first with --key-replay sequential.</summary>
    internal const long SequenceGapMs = 1000;

    /// <summary>Equal as numbers when both are numbers ("0" = "0.0"), else as text.</summary>
    private static bool SameValue(string cell, string value) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double a)
        && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double b)
            ? a == b
            : string.Equals(cell, value, StringComparison.Ordinal);

    /// <summary>
    /// A time cell in milliseconds since the epoch, or null. With no format: a number is Unix seconds, text is ISO-8601
    /// (a plain date is midnight UTC; no offset means UTC), like the demo feeds' time columns.
    /// </summary>
    internal static long? ParseTime(string text, EventTimeFormat? format)
    {
        if (text.Length == 0)
        {
            return null;
        }

        bool isNumber = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number);
        switch (format)
        {
            case EventTimeFormat.UnixMilliseconds:
                return isNumber ? Milliseconds(number) : null;
            case EventTimeFormat.UnixSeconds:
                return isNumber ? Milliseconds(number * 1000) : null;
            case EventTimeFormat.Iso8601:
                return Iso(text);
            default:
                return isNumber ? Milliseconds(number * 1000) : Iso(text);
        }

        static long? Milliseconds(double value) =>
            value is >= -62_135_596_800_000 and <= 253_402_300_799_999 ? (long)Math.Round(value) : null;

        static long? Iso(string text) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time)
                ? time.ToUnixTimeMilliseconds()
                : null;
    }
}
