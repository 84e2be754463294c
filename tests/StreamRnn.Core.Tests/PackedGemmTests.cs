using StreamRnn.Core.LinearAlgebra;

namespace StreamRnn.Core.Tests;

public sealed unsafe class PackedGemmTests
{
    /// <summary>
    /// Both arithmetic paths (fused on FMA hardware, separately rounded elsewhere) give every row the same bits
    /// whatever the number of rows, and both equal the double product within float rounding.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(13, 7, 33, true)]
    [InlineData(13, 7, 33, false)]
    [InlineData(20, 70, 64, false)]
    [InlineData(11, 3, 17, false)]
    public void EveryRowIsComputedAloneAndCorrectly(int rows, int k, int n, bool fused)
    {
        float[] dense = TestValues.Uniform(k * n, 1);
        float[] bias = TestValues.Uniform(n, 2);
        var w = new PackedMatrix(k, n, dense, bias);
        float[] a = TestValues.Uniform(rows * k, 3, 2f);
        var batched = new float[rows * w.PaddedColumns];
        var single = new float[rows * w.PaddedColumns];
        int split = k / 2;
        fixed (float* pa = a, pb = batched, ps = single)
        {
            PackedGemm.Multiply(pa, k, split, pa + split, k, k - split, rows, w, pb, w.PaddedColumns, fused);
            for (int r = 0; r < rows; r++)
            {
                PackedGemm.Multiply(pa + r * k, k, split, pa + r * k + split, k, k - split, 1, w, ps + r * w.PaddedColumns, w.PaddedColumns, fused);
            }
        }

        TestValues.BitEqual(single, batched, "rows");
        for (int r = 0; r < rows; r++)
        {
            var expected = new double[n];
            for (int j = 0; j < n; j++)
            {
                double sum = bias[j];
                for (int i = 0; i < k; i++)
                {
                    sum += (double)a[r * k + i] * dense[i * n + j];
                }

                expected[j] = sum;
            }

            TestValues.Close(expected, batched.AsSpan(r * w.PaddedColumns, n), 1e-5, 1e-5, $"row {r}");
            Assert.All(batched.AsSpan(r * w.PaddedColumns + n, w.PaddedColumns - n).ToArray(), padding => Assert.Equal(0f, padding));
        }
    }
}
