using System.Globalization;

namespace StreamRnn.Engine.Output;

/// <summary>
/// Formats a finite double with at most 9 significant digits as a JSON number, cheaper than the
/// shortest round-trip formatting <see cref="System.Text.Json.Utf8JsonWriter"/> uses for doubles.
/// </summary>
/// <remarks>
/// <para>For the derived numbers of a prediction record (interval bounds, price and level): the model computes in
/// float32 (about 7 significant digits), so 17 digits of a derived double are noise, and each one cost 150–250 ns to
/// format — a sixth of the engine's time per event once intervals were added (docs/performance.md).</para>
/// <para>With a = |v| and e = ⌊log₁₀ a⌋: m = round(a · 10^(8 − e)), an integer of 9 digits (corrected once if log₁₀ or
/// the product landed one decade off), written positionally with trailing zeros dropped when −7 ≤ e ≤ 15. The one
/// multiplication by a power of ten can round m one unit off the correctly rounded value: the result is within
/// 1.1 units of the 9th significant digit (relative error &lt; 1.1 · 10⁻⁸). Outside that exponent range the
/// framework's "G9" formatting is used.</para>
/// </remarks>
internal static class ShortDecimal
{
    /// <summary>Longest output: sign, "0.", 6 zeros, 9 digits — or "G9" text (≤ 16 bytes).</summary>
    public const int MaxBytes = 24;

    private static readonly double[] PowersOfTen = BuildPowers();

    /// <summary>Writes <paramref name="value"/> (finite) into <paramref name="destination"/> (≥ <see cref="MaxBytes"/>) and returns the length.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        if (value == 0)
        {
            destination[0] = (byte)'0';
            return 1;
        }

        int at = 0;
        double a = value;
        if (a < 0)
        {
            destination[at++] = (byte)'-';
            a = -a;
        }

        int e = (int)Math.Floor(Math.Log10(a));
        if (e < -7 || e > 15)
        {
            return Fallback(value, destination);
        }

        long m = (long)Math.Round(a * PowersOfTen[8 - e + 24], MidpointRounding.ToEven);
        if (m >= 1_000_000_000L)
        {
            e++;
            if (e > 15)
            {
                return Fallback(value, destination);
            }

            m = (long)Math.Round(a * PowersOfTen[8 - e + 24], MidpointRounding.ToEven);
        }
        else if (m < 100_000_000L)
        {
            e--;
            if (e < -7)
            {
                return Fallback(value, destination);
            }

            m = (long)Math.Round(a * PowersOfTen[8 - e + 24], MidpointRounding.ToEven);
        }

        if (m >= 1_000_000_000L)
        {
            // Rounding up to the next decade after the correction: 999,999,999.6 → 10⁹.
            m /= 10;
            e++;
        }

        // Nine digits d₀…d₈ of m; the decimal point goes after digit e (e ≥ 0) or e − 1 zeros after "0." (e < 0).
        Span<byte> digits = stackalloc byte[9];
        for (int i = 8; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (int)(m % 10));
            m /= 10;
        }

        int significant = 9;
        while (significant > 1 && digits[significant - 1] == '0' && significant > e + 1)
        {
            significant--;
        }

        if (e >= 0)
        {
            int integer = e + 1;
            for (int i = 0; i < integer; i++)
            {
                destination[at++] = i < 9 ? digits[i] : (byte)'0';
            }

            if (significant > integer)
            {
                destination[at++] = (byte)'.';
                for (int i = integer; i < significant; i++)
                {
                    destination[at++] = digits[i];
                }
            }

            return at;
        }

        destination[at++] = (byte)'0';
        destination[at++] = (byte)'.';
        for (int i = 0; i < -e - 1; i++)
        {
            destination[at++] = (byte)'0';
        }

        for (int i = 0; i < significant; i++)
        {
            destination[at++] = digits[i];
        }

        return at;
    }

    private static int Fallback(double value, Span<byte> destination)
    {
        value.TryFormat(destination, out int written, "G9", CultureInfo.InvariantCulture);
        return written;
    }

    /// <summary>10^k for k = −24…24 at index k + 24 (exactly representable up to 10²², correctly rounded beyond).</summary>
    private static double[] BuildPowers()
    {
        double[] powers = new double[49];
        for (int k = -24; k <= 24; k++)
        {
            powers[k + 24] = double.Parse("1e" + k.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        return powers;
    }
}
