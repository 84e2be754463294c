using System.Runtime.Intrinsics.X86;
using StreamRnn.Core.LinearAlgebra;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]
public sealed unsafe class DotProductTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 41; n++)
        {
            data.Add(n);
        }

        data.Add(63);
        data.Add(64);
        data.Add(100);
        data.Add(128);
        return data;
    }

    /// <summary>
    /// The head's dot product follows its documented summation order exactly (so batched and single steps, and the
    /// training forward pass, agree bit for bit), through every remainder path, and is close to the double result.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void FollowsTheDocumentedOrderAndIsAccurate(int length)
    {
        float[] w = TestValues.Uniform(length + 1, 21, 1f);
        float[] x = TestValues.Uniform(length + 1, 22, 2f);
        const float bias = 0.375f;
        float actual;
        fixed (float* pw = w, px = x)
        {
            actual = DotProduct.Affine(pw, px, length, bias);
        }

        Assert.Equal(BitConverter.SingleToInt32Bits(Emulate(w, x, length, bias)), BitConverter.SingleToInt32Bits(actual));
        double expected = bias;
        double magnitude = Math.Abs(bias);
        for (int k = 0; k < length; k++)
        {
            expected += (double)w[k] * x[k];
            magnitude += Math.Abs((double)w[k] * x[k]);
        }

        Assert.True(Math.Abs(actual - expected) <= 1e-6 * magnitude, $"n = {length}: {actual} vs {expected}");
    }

    private static float Emulate(float[] w, float[] x, int length, float bias)
    {
        float[,] acc = new float[4, 8];
        int blocks = length / 8;
        for (int m = 0; m < blocks; m++)
        {
            for (int lane = 0; lane < 8; lane++)
            {
                acc[m % 4, lane] = MulAdd(w[8 * m + lane], x[8 * m + lane], acc[m % 4, lane]);
            }
        }

        float[] v = new float[8];
        for (int lane = 0; lane < 8; lane++)
        {
            v[lane] = (acc[0, lane] + acc[1, lane]) + (acc[2, lane] + acc[3, lane]);
        }

        float sum = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
        for (int k = 8 * blocks; k < length; k++)
        {
            sum = MulAdd(w[k], x[k], sum);
        }

        return sum + bias;
    }

    private static float MulAdd(float a, float b, float c) => Fma.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : (a * b) + c;
}
