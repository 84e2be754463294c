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
    public void Rejects_an_unclosed_quote()
    {
        using var reader = CsvReader.FromReader(new StringReader("a\n\"open\n"), "q.csv");

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow([]));
        Assert.Equal("q.csv, line 2: a quoted field is not closed.", exception.Message);
    }

    [Fact]
    public void Stops_an_unclosed_quote_at_the_field_limit_instead_of_buffering_the_file()
    {
        // An unclosed quote on line 2 followed by 3 Mi characters of rows: the reader fails at the 1 Mi field limit.
        var rows = new System.Text.StringBuilder("a,b\n\"open,1\n");
        while (rows.Length < 3 << 20)
        {
            rows.Append("12345,67890\n");
        }

        using var reader = CsvReader.FromReader(new StringReader(rows.ToString()), "big.csv");

        var exception = Assert.Throws<InvalidDataException>(() => reader.TryReadRow([]));
        Assert.Equal("big.csv, line 2: a field is longer than 1,048,576 characters (an unclosed quote?).", exception.Message);
    }

    [Fact]
    public void Accepts_a_field_of_exactly_the_limit()
    {
        var text = "a\n" + new string('x', CsvReader.MaxFieldLength) + "\n";
        using var reader = CsvReader.FromReader(new StringReader(text), "edge.csv");
        var fields = new List<string>();

        Assert.True(reader.TryReadRow(fields));
        Assert.Equal(CsvReader.MaxFieldLength, fields[0].Length);
    }
}
