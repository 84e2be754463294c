using StreamRnn.Daemon.Csv;

namespace StreamRnn.Daemon.Tests.Csv;

[Trait("Category", "Unit")]

public sealed class CsvReaderTests
{
    private static List<List<string>> ReadAll(string text, out IReadOnlyList<string> header)
    {
        using var reader = CsvReader.FromReader(new StringReader(text), "test.csv");
        header = reader.Header;
        var rows = new List<List<string>>();
        var fields = new List<string>();
        while (reader.TryReadRow(fields))
        {
            rows.Add([.. fields]);
        }

        return rows;
    }

    [Fact]
    public void Reads_quoted_fields_with_commas_quotes_and_line_breaks()
    {
        var rows = ReadAll("a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"two\nlines\",\n", out var header);

        Assert.Equal(["a", "b", "c"], header);
        Assert.Equal(2, rows.Count);
        Assert.Equal(["1", "x, y", "say \"hi\""], rows[0]);
        Assert.Equal(["2", "two\nlines", ""], rows[1]);
    }

    [Fact]
    public void Skips_blank_lines_and_reads_a_last_row_without_line_break()
    {
        var rows = ReadAll("a,b\n\n1,2\r\n\r\n3,4", out _);

        Assert.Equal([["1", "2"], ["3", "4"]], rows);
    }

    [Fact]
    public void Counts_lines_for_error_messages()
    {
        using var reader = CsvReader.FromReader(new StringReader("a,b\n1,2\n\"x\ny\",3\n4\n"), "f.csv");
        var fields = new List<string>();
        Assert.True(reader.TryReadRow(fields));
        Assert.Equal(2, reader.RowLine);
        Assert.True(reader.TryReadRow(fields));
        Assert.Equal(3, reader.RowLine);

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow(fields));
        Assert.Equal("f.csv, line 5: 1 fields where the header has 2 columns.", exception.Message);
    }

    [Theory]
    [InlineData("", "test.csv: the file is empty; the first line must name the columns.")]
    [InlineData("a,,c\n", "test.csv: column 2 of the header has no name.")]
    [InlineData("a,b,a\n", "test.csv: the header names column 'a' twice.")]
    public void Rejects_bad_headers(string text, string message)
    {
        var exception = Assert.Throws<InvalidDataException>(() => CsvReader.FromReader(new StringReader(text), "test.csv"));
        Assert.Equal(message, exception.Message);
    }

    [Fact]
    public void Rejects_an_unclosed_quote_naming_its_line()
    {
        using var reader = CsvReader.FromReader(new StringReader("a,b\n1,2\n3,\"open\n4,5\n"), "q.csv");
        var fields = new List<string>();
        Assert.True(reader.TryReadRow(fields));

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow(fields));
        Assert.StartsWith("q.csv, line 3: ", exception.Message);
        Assert.Contains("never closed", exception.Message);
    }

    [Theory]
    [InlineData("a,b\n1,\"x\"y\n", "text after the closing quote")]
    [InlineData("a,b\n1,x\"y\n", "a quote inside an unquoted field")]
    public void Rejects_malformed_quoting_naming_the_line_and_not_the_value(string text, string problem)
    {
        using var reader = CsvReader.FromReader(new StringReader(text), "m.csv");

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow([]));
        Assert.StartsWith("m.csv, line 2: ", exception.Message);
        Assert.Contains(problem, exception.Message);
        Assert.DoesNotContain("x\"y", exception.Message);
    }

    [Fact]
    public void Stops_an_unclosed_quote_at_the_record_limit_instead_of_buffering_the_file()
    {
        // An unclosed quote on line 2 followed by 8 MiB of rows: the reader fails near the 1 MiB record limit.
        var rows = new System.Text.StringBuilder("a,b\n\"open,1\n");
        while (rows.Length < 8 << 20)
        {
            rows.Append("12345,67890\n");
        }

        using var input = new CountingReader(rows.ToString());
        using var reader = CsvReader.FromReader(input, "big.csv");

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow([]));
        Assert.StartsWith("big.csv, line 2: ", exception.Message);
        Assert.Contains("MaxRecordSize", exception.Message);
        Assert.InRange(input.CharsRead, CsvReader.MaxRecordBytes, 3 * CsvReader.MaxRecordBytes);
    }

    [Fact]
    public void Rejects_an_over_long_unquoted_field_naming_its_line()
    {
        string text = "a,b\n1,2\n3," + new string('x', 2 * CsvReader.MaxRecordBytes) + "\n4,5\n";
        using var reader = CsvReader.FromReader(new StringReader(text), "long.csv");
        var fields = new List<string>();
        Assert.True(reader.TryReadRow(fields));

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow(fields));
        Assert.StartsWith("long.csv, line 3: ", exception.Message);
        Assert.Contains("MaxRecordSize", exception.Message);
    }

    [Fact]
    public void Accepts_a_field_well_within_the_limit()
    {
        string text = "a\n" + new string('x', CsvReader.MaxRecordBytes / 2) + "\n";
        using var reader = CsvReader.FromReader(new StringReader(text), "edge.csv");
        var fields = new List<string>();

        Assert.True(reader.TryReadRow(fields));
        Assert.Equal(CsvReader.MaxRecordBytes / 2, fields[0].Length);
    }

    [Fact]
    public void Opens_a_file_with_a_byte_order_mark_and_keeps_a_sep_line_as_data()
    {
        string path = Path.Combine(Path.GetTempPath(), $"csvreader-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "sep=;\n\"x\"\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        try
        {
            using var reader = CsvReader.Open(path);
            var fields = new List<string>();

            Assert.Equal(["sep=;"], reader.Header);
            Assert.True(reader.TryReadRow(fields));
            Assert.Equal(["x"], fields);
            Assert.False(reader.TryReadRow(fields));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A reader over a string that counts the characters the CSV reader pulled from it.</summary>
    private sealed class CountingReader(string text) : StringReader(text)
    {
        public long CharsRead { get; private set; }

        public override int Read(Span<char> buffer)
        {
            int n = base.Read(buffer);
            CharsRead += n;
            return n;
        }

        public override int Read(char[] buffer, int index, int count)
        {
            int n = base.Read(buffer, index, count);
            CharsRead += n;
            return n;
        }

        public override int Read()
        {
            int c = base.Read();
            CharsRead += c < 0 ? 0 : 1;
            return c;
        }
    }
}
