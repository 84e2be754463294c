using System.Runtime.Intrinsics.X86;
using StreamRnn.Core.LinearAlgebra;

namespace StreamRnn.Core.Tests;

/// <summary>
/// <see cref="StridedGemm"/>: every element of C += A·B (A as stored or transposed) equals, bit for bit, the sequential
/// multiply-add over k in order that the kernel documents, whichever tile (6 × 16, 1 × 16, 16 × 4, scalar) computes
/// it, and the double product within float rounding.
/// </summary>
[Trait("Category", "Unit")]
public sealed unsafe class StridedGemmTests
{
    [Theory]
    [InlineData(1, 1, 1, false)]
    [InlineData(256, 64, 256, false)]
    [InlineData(256, 64, 256, true)]
    [InlineData(256, 8, 37, true)]
    [InlineData(23, 39, 17, false)]
    [InlineData(23, 39, 17, true)]
    [InlineData(35, 7, 5, true)]
    [InlineData(15, 3, 9, true)]
    [InlineData(7, 16, 100, false)]
    [InlineData(13, 53, 20, false)]
    [InlineData(13, 53, 20, true)]
    public void Every_element_is_the_ordered_multiply_add_over_k(int m, int n, int k, bool transposed)
    {
        int lda = transposed ? m + 3 : k + 2, ldb = n + 5, ldc = n + 1;
        int am = transposed ? 1 : lda, ak = transposed ? lda : 1;
        float[] a = TestValues.Uniform((transposed ? k : m) * lda, 1, 1.5f);
        float[] b = TestValues.Uniform(k * ldb, 2, 1.5f);
        float[] c = TestValues.Uniform(m * ldc, 3, 1f);
        float[] start = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c)
        {
            StridedGemm.MultiplyAdd(pa, am, ak, pb, ldb, pc, ldc, m, n, k);
        }

        for (int row = 0; row < m; row++)
        {
            for (int col = 0; col < ldc; col++)
            {
                int at = row * ldc + col;
                if (col >= n)
                {
                    Assert.Equal(start[at], c[at]); // outside the n columns nothing is written
                    continue;
                }

                float acc = start[at];
                double exact = start[at], magnitude = Math.Abs(start[at]);
                for (int i = 0; i < k; i++)
                {
                    float x = a[row * am + i * ak], y = b[i * ldb + col];
                    acc = Fma.IsSupported ? MathF.FusedMultiplyAdd(x, y, acc) : acc + x * y;
                    exact += (double)x * y;
                    magnitude += Math.Abs((double)x * y);
                }

                Assert.True(BitConverter.SingleToInt32Bits(acc) == BitConverter.SingleToInt32Bits(c[at]),
                    $"C[{row}, {col}]: kernel {c[at]:R}, ordered multiply-add {acc:R}");
                Assert.True(Math.Abs(c[at] - exact) <= 1e-6 * (k + 1) * magnitude, $"C[{row}, {col}]: {c[at]:R} vs {exact:R}");
            }
        }
    }
}
