using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamRnn.Engine.Output;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed partial class ShortDecimalTests
{
    private static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[ShortDecimal.MaxBytes];
        return Encoding.ASCII.GetString(buffer[..ShortDecimal.Format(value, buffer)]);
    }

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.0, "-1")]
    [InlineData(123.0, "123")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.25, "0.25")]
    [InlineData(4123.4567891234, "4123.45679")]
    [InlineData(-0.000123456789123, "-0.000123456789")]
    [InlineData(999999999.6, "1000000000")]
    [InlineData(0.99999999996, "1")]
    [InlineData(1234567890123456.0, "1234567890000000")]
    [InlineData(1.5e-7, "0.00000015")]
    public void Known_values(double value, string expected) => Assert.Equal(expected, Format(value));

    [Fact]
    public void Outside_the_positional_range_the_framework_formats_G9_which_is_valid_JSON()
    {
        Assert.Equal(1e-9, double.Parse(Format(1e-9), CultureInfo.InvariantCulture));
        Assert.Equal(-2.5e20, double.Parse(Format(-2.5e20), CultureInfo.InvariantCulture));
        Assert.Equal(JsonValueKind.Number, JsonDocument.Parse(Format(1e-9)).RootElement.ValueKind);
    }

    [Fact]
    public void Random_values_over_every_magnitude_are_valid_JSON_within_nine_significant_digits()
    {
        var random = new Random(17);
        for (int i = 0; i < 200_000; i++)
        {
            double magnitude = Math.Pow(10, random.Next(-10, 18));
            double value = (random.NextDouble() * 2 - 1) * magnitude;
            string text = Format(value);
            Assert.Matches(JsonNumber(), text);
            double parsed = double.Parse(text, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(parsed - value) <= 1.1e-8 * Math.Abs(value), $"{value:R} → {text}");
            Assert.True(text.Replace("-", "").Replace(".", "").TrimStart('0').TrimEnd('0').Length <= 9 || text.Contains('E'), $"{value:R} → {text}: more than 9 significant digits");
        }
    }

    [Fact]
    public void Formatting_allocates_nothing()
    {
        Span<byte> buffer = stackalloc byte[ShortDecimal.MaxBytes];
        ShortDecimal.Format(1.2345, buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            ShortDecimal.Format(i * 0.37 - 1234.5, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")]
    private static partial Regex JsonNumber();
}
