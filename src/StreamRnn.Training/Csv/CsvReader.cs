using System.Text;

namespace StreamRnn.Daemon.Csv;

/// <summary>
/// Reads a comma-separated file row by row: the first row names the columns; fields may be quoted
/// (<c>"a, b"</c>, <c>""</c> for a quote, line breaks inside quotes); CRLF and LF both end a row.
/// </summary>
/// <remarks>
/// Streaming, so a replay of a large file does not hold it in memory. A row whose field count differs from
/// the header is an error naming the line: a silently shifted column would put values under the wrong names.
/// Blank lines are skipped. A field longer than <see cref="MaxFieldLength"/> characters is an error naming its line, so an
/// unclosed quote near the top of a large file fails at once instead of buffering the rest of the file.
/// (RFC 4180 parsers such as Sep or CsvHelper offer no such bound, which is why this reader stays.)
/// </remarks>
internal sealed class CsvReader : IDisposable
{
    /// <summary>The longest field accepted, in characters (1 Mi): far above any real value, far below a whole file.</summary>
    public const int MaxFieldLength = 1 << 20;

    private readonly TextReader reader;
    private readonly string source;
    private readonly StringBuilder field = new();
    private long line;

    private CsvReader(TextReader reader, string source, IReadOnlyList<string> header, long line)
    {
        this.reader = reader;
        this.source = source;
        Header = header;
        this.line = line;
    }

    /// <summary>The column names from the first row.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>The line number (1-based) where the row last returned by <see cref="TryReadRow"/> began.</summary>
    public long RowLine { get; private set; }

    public static CsvReader Open(string path)
    {
        var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        try
        {
            return FromReader(reader, path);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public static CsvReader FromReader(TextReader reader, string source)
    {
        var header = new List<string>();
        var csv = new CsvReader(reader, source, header, 0);
        if (!csv.TryReadFields(header))
        {
            throw new InvalidDataException($"{source}: the file is empty; the first line must name the columns.");
        }

        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].Length == 0)
            {
                throw new InvalidDataException($"{source}: column {i + 1} of the header has no name.");
            }

            for (var j = 0; j < i; j++)
            {
                if (header[j] == header[i])
                {
                    throw new InvalidDataException($"{source}: the header names column '{header[i]}' twice.");
                }
            }
        }

        return csv;
    }

    /// <summary>Reads the next row into <paramref name="fields"/> (cleared first); false at the end of the file.</summary>
    public bool TryReadRow(List<string> fields)
    {
        if (!TryReadFields(fields))
        {
            return false;
        }

        if (fields.Count != Header.Count)
        {
            throw new InvalidDataException(
                $"{source}, line {RowLine}: {fields.Count} fields where the header has {Header.Count} columns.");
        }

        return true;
    }

    /// <summary>The index of a column by name (exact), or -1.</summary>
    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Header.Count; i++)
        {
            if (Header[i] == name)
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose() => reader.Dispose();

    private bool TryReadFields(List<string> fields)
    {
        while (true)
        {
            fields.Clear();
            var next = reader.Peek();
            if (next < 0)
            {
                return false;
            }

            line++;
            RowLine = line;
            if (next == '\n' || next == '\r')
            {
                ConsumeLineEnd();
                continue;
            }

            ReadRecord(fields);
            return true;
        }
    }

    private void Append(char c)
    {
        if (field.Length >= MaxFieldLength)
        {
            throw new InvalidDataException(
                $"{source}, line {RowLine}: a field is longer than {MaxFieldLength:N0} characters (an unclosed quote?).");
        }

        field.Append(c);
    }

    private void ReadRecord(List<string> fields)
    {
        field.Clear();
        var quoted = false;
        var fieldStart = true;
        while (true)
        {
            var c = reader.Read();
            if (c < 0)
            {
                if (quoted)
                {
                    throw new InvalidDataException($"{source}, line {RowLine}: a quoted field is not closed.");
                }

                fields.Add(field.ToString());
                return;
            }

            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }

                    Append((char)c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when fieldStart:
                    quoted = true;
                    fieldStart = false;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStart = true;
                    break;
                case '\r' or '\n':
                    if (c == '\r' && reader.Peek() == '\n')
                    {
                        reader.Read();
                    }

                    fields.Add(field.ToString());
                    return;
                default:
                    Append((char)c);
                    fieldStart = false;
                    break;
            }
        }
    }

    private void ConsumeLineEnd()
    {
        if (reader.Read() == '\r' && reader.Peek() == '\n')
        {
            reader.Read();
        }
    }
}
