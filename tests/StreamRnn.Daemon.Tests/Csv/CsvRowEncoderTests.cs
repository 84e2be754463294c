using System.Text;
using StreamRnn.Daemon.Csv;

namespace StreamRnn.Daemon.Tests.Csv;

[Trait("Category", "Unit")]

public sealed class CsvRowEncoderTests
{
    [Fact]
    public void Numbers_stay_verbatim_empty_is_null_and_the_rest_are_strings()
    {
        var encoder = new CsvRowEncoder(["symbol", "date", "open", "close", "volume", "id", "note", "exp"]);

        string json = Encoding.UTF8.GetString(encoder.Encode(["BHF", "2017-07-26", "", "69.0842", "3", "007", "a \"quoted\" ü", "-1.5e-3"]).Span);

        Assert.Equal(
            """{"symbol":"BHF","date":"2017-07-26","open":null,"close":69.0842,"volume":3,"id":"007","note":"a \"quoted\" ü","exp":-1.5e-3}""",
            json);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("-0.0", true)]
    [InlineData("14.75", true)]
    [InlineData("8407500", true)]
    [InlineData("1E+5", true)]
    [InlineData("1e999", false)]
    [InlineData("NaN", false)]
    [InlineData("Infinity", false)]
    [InlineData("NA", false)]
    [InlineData("1.", false)]
    [InlineData(".5", false)]
    [InlineData("+5", false)]
    [InlineData("05", false)]
    [InlineData(" 5", false)]
    [InlineData("5\n", false)]
    [InlineData("0x10", false)]
    public void Only_finite_json_numbers_are_numbers(string cell, bool number)
    {
        Assert.Equal(number, CsvRowEncoder.IsJsonNumber(cell));
    }

    [Fact]
    public void Reuses_its_buffer_and_checks_the_field_count()
    {
        var encoder = new CsvRowEncoder(["a"]);

        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(encoder.Encode(["1"]).Span));
        Assert.Equal("""{"a":"long text"}""", Encoding.UTF8.GetString(encoder.Encode(["long text"]).Span));
        Assert.Equal("""{"a":2}""", Encoding.UTF8.GetString(encoder.Encode(["2"]).Span));
        Assert.Throws<ArgumentException>(() => encoder.Encode(["1", "2"]));
    }
}
