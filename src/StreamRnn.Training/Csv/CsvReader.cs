using CsvHelper;
using Rfc4180Reader = CsvHelper.CsvReader;

namespace StreamRnn.Daemon.Csv;

/// <summary>
/// Reads a comma-separated file row by row through CsvHelper in RFC 4180 mode: the first row names the columns;
/// fields may be quoted (<c>"a, b"</c>, <c>""</c> for a quote, line breaks inside quotes); CRLF and LF both end a row.
/// </summary>
/// <remarks>
/// Streaming, so a replay of a large file does not hold it in memory. Malformed quoting (an unclosed quote, text after
/// a closing quote, a quote inside an unquoted field) is an error naming the line. A row whose field count differs
/// from the header is an error naming the line: a silently shifted column would put values under the wrong names.
/// Blank lines are skipped. A record longer than <see cref="MaxRecordBytes"/> is an error naming its line, so an
/// unclosed quote near the top of a large file fails at once instead of buffering the rest of the file.
/// Error messages carry the source, the line and the problem, never a field's value.
/// </remarks>
internal sealed class CsvReader : IDisposable
{
    /// <summary>The longest record accepted, in bytes of UTF-8 (1 MiB): far above any real row, far below a whole file.</summary>
    public const int MaxRecordBytes = 1 << 20;

    private static readonly CsvReaderOptions Options = CsvReaderOptions.Default with
    {
        Separator = ',',
        Mode = CsvMode.Rfc4180,
        HasHeader = true,
        DetectSeparatorHint = false,
        SkipEmptyLines = true,
        AllowLineBreaksInQuotes = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        MaxRecordSize = MaxRecordBytes,
        TrackLineNumbers = true,
        IncludeValuesInExceptions = false,
    };

    private readonly Rfc4180Reader _reader;
    private readonly string _source;

    private CsvReader(Rfc4180Reader reader, string source)
    {
        _reader = reader;
        _source = source;
        Header = ReadHeader();
    }

    /// <summary>The column names from the first row.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The line number (1-based) where the row last returned by <see cref="TryReadRow"/> began.</summary>
    public long RowLine { get; private set; }

    public static CsvReader Open(string path) => Wrap(Rfc4180Reader.FromFile(path, Options), path);

    public static CsvReader FromReader(TextReader reader, string source) =>
        Wrap(Rfc4180Reader.Create(reader, Options, leaveOpen: false), source);

    /// <summary>Reads the next row into <paramref name="fields"/> (cleared first); false at the end of the file.</summary>
    public bool TryReadRow(List<string> fields)
    {
        fields.Clear();
        try
        {
            if (!_reader.Read())
            {
                return false;
            }
        }
        catch (CsvFormatException exception)
        {
            throw Malformed(exception);
        }

        RowLine = _reader.LineNumber;
        if (_reader.FieldCount != Header.Count)
        {
            throw new InvalidDataException(
                $"{_source}, line {RowLine}: {_reader.FieldCount} fields where the header has {Header.Count} columns.");
        }

        for (int i = 0; i < _reader.FieldCount; i++)
        {
            fields.Add(_reader.GetString(i));
        }

        return true;
    }

    /// <summary>The index of a column by name (exact), or -1.</summary>
    public int ColumnIndex(string name)
    {
        for (int i = 0; i < Header.Count; i++)
        {
            if (Header[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose() => _reader.Dispose();

    private static CsvReader Wrap(Rfc4180Reader reader, string source)
    {
        try
        {
            return new CsvReader(reader, source);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    private string[] ReadHeader()
    {
        try
        {
            _reader.ReadHeader();
        }
        catch (CsvFormatException exception)
        {
            throw Malformed(exception);
        }

        string[] header = _reader.Headers.ToArray();
        if (header.Length == 0)
        {
            throw new InvalidDataException($"{_source}: the file is empty; the first line must name the columns.");
        }

        for (int i = 0; i < header.Length; i++)
        {
            if (header[i].Length == 0)
            {
                throw new InvalidDataException($"{_source}: column {i + 1} of the header has no name.");
            }

            for (int j = 0; j < i; j++)
            {
                if (header[j] == header[i])
                {
                    throw new InvalidDataException($"{_source}: the header names column '{header[i]}' twice.");
                }
            }
        }

        return header;
    }

    // CsvHelper's message says what is wrong (unclosed quote, text after a closing quote, record over MaxRecordSize)
    // without the field's value (IncludeValuesInExceptions is off); the line is where the record starts.
    private InvalidDataException Malformed(CsvFormatException exception) =>
        new($"{_source}, line {exception.LineNumber}: {exception.Message}", exception);
}
