using System.Runtime.Intrinsics;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]
public sealed class ActivationTests
{
    private static float[] Sweep()
    {
        var values = new List<float>();
        for (double x = -100; x <= 100; x += 0.0137)
        {
            values.Add((float)x);
        }

        for (double x = 1e-30; x < 1; x *= 1.7)
        {
            values.Add((float)x);
            values.Add((float)-x);
        }

        values.AddRange([0f, -0f, 0.3f, -0.3f, 0.29999998f, 87f, -87f, 88.7f, -88.7f, 1e30f, -1e30f, float.MaxValue, float.MinValue, float.Epsilon]);
        return values.ToArray();
    }

    [Fact]
    public void SigmoidIsAccurateOverTheWholeRange()
    {
        float[] x = Sweep();
        float[] y = new float[x.Length];
        Activations.Sigmoid(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = x[i] >= 0 ? 1 / (1 + Math.Exp(-(double)x[i])) : Math.Exp(x[i]) / (1 + Math.Exp(x[i]));
            double tolerance = 4e-7 * expected + 1e-37;
            Assert.True(Math.Abs(y[i] - expected) <= tolerance, $"σ({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void TanhIsAccurateOverTheWholeRange()
    {
        float[] x = Sweep();
        float[] y = new float[x.Length];
        Activations.Tanh(x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Tanh(x[i]);
            double tolerance = 4e-7 * Math.Abs(expected) + 1e-44;
            Assert.True(Math.Abs(y[i] - expected) <= tolerance, $"tanh({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }

    }

    [Fact]
    public void SpecialValues()
    {
        float[] x = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f];
        float[] s = new float[5];
        float[] t = new float[5];
        Activations.Sigmoid(x, s);
        Activations.Tanh(x, t);
        Assert.True(float.IsNaN(s[0]) && float.IsNaN(t[0]));
        Assert.Equal(1f, s[1]);
        Assert.InRange(s[2], 0f, 1e-37f); // exp is clamped at −87: σ(x) for x below that is e^−87 ≈ 1.6e-38
        Assert.Equal(0.5f, s[3]);
        Assert.Equal(0.5f, s[4]);
        Assert.Equal(1f, t[1]);
        Assert.Equal(-1f, t[2]);
        Assert.Equal(0f, t[3]);
        Assert.True(float.IsNegative(t[4]), "tanh(−0) = −0");
    }

    /// <summary>A value's result never depends on the span's length, its position in it, or in-place use.</summary>
    [Fact]
    public void ResultsDependOnTheValueOnly()
    {
        float[] values = TestValues.Uniform(64, 3, 6f);
        float[] sigmoidAlone = new float[64];
        float[] tanhAlone = new float[64];
        for (int i = 0; i < 64; i++)
        {
            Activations.Sigmoid(values.AsSpan(i, 1), sigmoidAlone.AsSpan(i, 1));
            Activations.Tanh(values.AsSpan(i, 1), tanhAlone.AsSpan(i, 1));
        }

        for (int start = 0; start < 9; start++)
        {
            for (int length = 0; start + length <= 64; length += 1 + length / 4)
            {
                float[] s = values.AsSpan(start, length).ToArray();
                float[] t = (float[])s.Clone();
                Activations.Sigmoid(s, s);
                Activations.Tanh(t, t);
                TestValues.BitEqual(sigmoidAlone.AsSpan(start, length), s, $"σ, start {start}, length {length}");
                TestValues.BitEqual(tanhAlone.AsSpan(start, length), t, $"tanh, start {start}, length {length}");
            }
        }
    }

    /// <summary>The Vector512 and Vector256 forms give the same bits for every value (software Vector512 where the CPU has none).</summary>
    [Fact]
    public void BothRegisterWidthsGiveTheSameBits()
    {
        float[] x = Sweep();
        int length = x.Length - x.Length % 16;
        for (int i = 0; i < length; i += 16)
        {
            var wide = Vector512.Create<float>(x.AsSpan(i, 16));
            Vector256<float> low = Vector256.Create<float>(x.AsSpan(i, 8)), high = Vector256.Create<float>(x.AsSpan(i + 8, 8));
            TestValues.BitEqual(Expand(Activations.Sigmoid(low), Activations.Sigmoid(high)), ToArray(Activations.Sigmoid(wide)), $"σ at {i}");
            TestValues.BitEqual(Expand(Activations.Tanh(low), Activations.Tanh(high)), ToArray(Activations.Tanh(wide)), $"tanh at {i}");
        }

        static float[] Expand(Vector256<float> low, Vector256<float> high)
        {
            float[] values = new float[16];
            low.CopyTo(values);
            high.CopyTo(values, 8);
            return values;
        }

        static float[] ToArray(Vector512<float> v)
        {
            float[] values = new float[16];
            v.CopyTo(values);
            return values;
        }
    }
}
