using StreamRnn.Core.LinearAlgebra;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]
public sealed unsafe class PackedGemmTests
{
    /// <summary>
    /// Both kernel widths (Vector512 and Vector256) give every row the same bits whatever the number of rows or the
    /// panel sweep direction, the same as each other, and equal the double product within float rounding.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1, true)]
    [InlineData(13, 7, 33, true)]
    [InlineData(13, 7, 33, false)]
    [InlineData(20, 70, 64, false)]
    [InlineData(11, 3, 17, false)]
    [InlineData(7, 9, 100, true)]
    [InlineData(7, 9, 100, false)]
    [InlineData(2, 72, 256, true)]
    [InlineData(12, 72, 256, true)]
    [InlineData(9, 40, 300, true)]
    [InlineData(1, 40, 300, false)]
    public void EveryRowIsComputedAloneAndCorrectly(int rows, int k, int n, bool wide)
    {
        float[] dense = TestValues.Uniform(k * n, 1);
        float[] bias = TestValues.Uniform(n, 2);
        var w = new PackedMatrix(k, n, dense, bias);
        float[] a = TestValues.Uniform(rows * k, 3, 2f);
        float[] batched = new float[rows * w.PaddedColumns];
        float[] single = new float[rows * w.PaddedColumns];
        float[] reversed = new float[rows * w.PaddedColumns];
        int split = k / 2;
        fixed (float* pa = a, pb = batched, ps = single, pr = reversed)
        {
            PackedGemm.Multiply(pa, k, split, pa + split, k, k - split, rows, w, pb, w.PaddedColumns, wide, fromLastPanel: false);
            for (int r = 0; r < rows; r++)
            {
                PackedGemm.Multiply(pa + r * k, k, split, pa + r * k + split, k, k - split, 1, w, ps + r * w.PaddedColumns, w.PaddedColumns, wide,
                    fromLastPanel: false);
                PackedGemm.Multiply(pa + r * k, k, split, pa + r * k + split, k, k - split, 1, w, pr + r * w.PaddedColumns, w.PaddedColumns, wide,
                    fromLastPanel: true);
            }
        }

        TestValues.BitEqual(single, batched, "rows");
        TestValues.BitEqual(single, reversed, "rows swept from the last panel");
        float[] other = new float[rows * w.PaddedColumns];
        fixed (float* pa = a, po = other)
        {
            PackedGemm.Multiply(pa, k, split, pa + split, k, k - split, rows, w, po, w.PaddedColumns, !wide, fromLastPanel: false);
        }

        TestValues.BitEqual(batched, other, "the other register width");
        for (int r = 0; r < rows; r++)
        {
            double[] expected = new double[n];
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
