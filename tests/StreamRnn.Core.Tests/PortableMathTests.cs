using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]
public sealed class PortableMathTests
{
    /// <summary>Within 2 ulp of the C runtime's exp over the whole used range, exact at 0, saturating at the clamps, NaN kept.</summary>
    [Fact]
    public void ExpIsAccurate()
    {
        for (double x = -708; x <= 709; x += 0.0731)
        {
            double expected = Math.Exp(x);
            double actual = PortableMath.Exp(x);
            double ulp = Math.BitIncrement(expected) - expected;
            Assert.True(Math.Abs(actual - expected) <= 2 * ulp,
                $"exp({x:R}) = {actual:R}, expected {expected:R}");
        }

        Assert.Equal(1.0, PortableMath.Exp(0.0));
        Assert.Equal(Math.E, PortableMath.Exp(1.0), 15);
        Assert.Equal(PortableMath.Exp(-708), PortableMath.Exp(-1e300));
        Assert.True(double.IsFinite(PortableMath.Exp(1e300)));
        Assert.True(double.IsNaN(PortableMath.Exp(double.NaN)));
    }

    /// <summary>Within 2 ulp of the C runtime's log from subnormals to the largest double; the special values.</summary>
    [Fact]
    public void LogIsAccurate()
    {
        var random = new Random(3);
        for (int i = 0; i < 200_000; i++)
        {
            double x = i < 2000 ? 1 + (i - 1000) * 1e-6 : Math.Pow(2, random.NextDouble() * 2100 - 1070) * (1 + random.NextDouble());
            if (!double.IsFinite(x) || x <= 0)
            {
                continue;
            }

            double expected = Math.Log(x);
            double ulp = Math.Abs(Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected));
            double actual = PortableMath.Log(x);
            Assert.True(Math.Abs(actual - expected) <= 2 * ulp || (expected == 0 && actual == 0), $"ln({x:R}) = {actual:R}, expected {expected:R}");
        }

        Assert.Equal(0.0, PortableMath.Log(1.0));
        Assert.Equal(double.NegativeInfinity, PortableMath.Log(0.0));
        Assert.Equal(double.PositiveInfinity, PortableMath.Log(double.PositiveInfinity));
        Assert.True(double.IsNaN(PortableMath.Log(-1.0)));
        Assert.True(double.IsNaN(PortableMath.Log(double.NaN)));
        Assert.Equal(Math.Log(double.Epsilon), PortableMath.Log(double.Epsilon), 12);
    }

    [Fact]
    public void SigmoidIsAccurateInBothTails()
    {
        for (double z = -700; z <= 700; z += 0.173)
        {
            double expected = z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
            Assert.True(Math.Abs(PortableMath.Sigmoid(z) - expected) <= 4e-16 * expected, $"σ({z:R})");
        }

        Assert.Equal(0.5, PortableMath.Sigmoid(0));
        Assert.True(double.IsNaN(PortableMath.Sigmoid(double.NaN)));
    }

    /// <summary>The documented order: eight partial sums by index mod 8, a fixed tree, then the tail in order.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(61)]
    [InlineData(1000)]
    public void SumOfSquaresFollowsTheDocumentedOrder(int length)
    {
        float[] values = TestValues.Uniform(length, 7, 3f);
        double[] partial = new double[8];
        int whole = length - length % 8;
        for (int i = 0; i < whole; i++)
        {
            partial[i % 8] += (double)values[i] * values[i];
        }

        double expected = ((partial[0] + partial[4]) + (partial[2] + partial[6])) + ((partial[1] + partial[5]) + (partial[3] + partial[7]));
        for (int i = whole; i < length; i++)
        {
            expected += (double)values[i] * values[i];
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(FixedOrderSum.SumOfSquares(values)));
    }
}
