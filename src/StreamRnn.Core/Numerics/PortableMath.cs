namespace StreamRnn.Core.Numerics;

/// <summary>
/// Scalar elementary functions whose bits are a function of the argument only: built from IEEE operations that
/// every CPU rounds alike (+, −, ×, ÷, fused multiply-add), unlike <see cref="Math.Exp"/>, whose result comes from
/// the C runtime and may differ by an ulp between libraries and between their FMA and non-FMA variants.
/// </summary>
/// <remarks>
/// <c>exp(x)</c>: x clamped to [−708, 709] (NaN passes through), x = n·ln 2 + r with n = round(x·log₂e) and a
/// Cody–Waite split of ln 2 (|r| ≤ ½ ln 2), e^r by its Taylor polynomial to degree 13 in Horner form with fused
/// multiply-adds (truncation &lt; 5e-18 relative), times 2ⁿ built in the exponent bits. Error: about 1 ulp.
/// <c>ln(x)</c>: x = 2ᵉ·m with m in [√½, √2) from the bits (subnormals scaled by 2⁵⁴ first), f = m − 1, s = f/(2 + f),
/// ln m = f − s·(f − R) with R = Σₖ₌₁..₁₁ 2s²ᵏ/(2k + 1) (the atanh series, |s| &lt; 0.172, truncation &lt; 2e-19), and
/// ln x = e·ln2_hi + (ln m + e·ln2_lo). Error: about 1 ulp. ln 0 = −∞, ln of a negative number or NaN = NaN, ln ∞ = ∞.
/// </remarks>
public static class PortableMath
{
    private const double Log2E = 1.4426950408889634;
    private const double Ln2High = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: n·Ln2High is exact for |n| < 2¹¹
    private const double Ln2Low = 1.90821492927058770002e-10;
    private const double RoundingMagic = 6755399441055744.0; // 1.5·2⁵²

    /// <summary>e^x, the same bits on every CPU; saturates below e^−708 and above e^709 instead of reaching 0 or ∞.</summary>
    public static double Exp(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        x = Math.Clamp(x, -708.0, 709.0);
        double t = Math.FusedMultiplyAdd(x, Log2E, RoundingMagic);
        double n = t - RoundingMagic;
        double r = Math.FusedMultiplyAdd(n, -Ln2High, x);
        r = Math.FusedMultiplyAdd(n, -Ln2Low, r);
        double p = 1.0 / 6227020800.0; // 1/13!
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 479001600.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 39916800.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 3628800.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 362880.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 40320.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 5040.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 720.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 120.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 24.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0 / 6.0);
        p = Math.FusedMultiplyAdd(p, r, 0.5);
        p = Math.FusedMultiplyAdd(p, r, 1.0);
        p = Math.FusedMultiplyAdd(p, r, 1.0);
        long exponent = (long)n + 1023;
        return p * BitConverter.Int64BitsToDouble(exponent << 52);
    }

    /// <summary>ln x, the same bits on every CPU.</summary>
    public static double Log(double x)
    {
        if (!(x > 0) || double.IsPositiveInfinity(x))
        {
            return x == 0 ? double.NegativeInfinity : x > 0 ? x : double.NaN;
        }

        int scale = 0;
        if (x < 2.2250738585072014e-308) // the smallest normal double
        {
            x *= 18014398509481984.0; // 2⁵⁴
            scale = -54;
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)(bits >> 52) - 1023 + scale;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            e++;
        }

        double f = m - 1.0;
        double s = f / (2.0 + f);
        double z = s * s;
        double r = 2.0 / 23.0;
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 21.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 19.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 17.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 15.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 13.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 11.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 9.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 7.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 5.0);
        r = Math.FusedMultiplyAdd(r, z, 2.0 / 3.0);
        r *= z;
        double logM = f - s * (f - r);
        return Math.FusedMultiplyAdd(e, Ln2High, Math.FusedMultiplyAdd(e, Ln2Low, logM));
    }

    /// <summary>σ(z) = 1/(1 + e^−z), without overflow in either tail, the same bits on every CPU.</summary>
    public static double Sigmoid(double z)
    {
        if (z >= 0)
        {
            return 1.0 / (1.0 + Exp(-z));
        }

        double e = Exp(z);
        return double.IsNaN(z) ? z : e / (1.0 + e);
    }
}
