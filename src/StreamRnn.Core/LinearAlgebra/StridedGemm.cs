using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StreamRnn.Core.LinearAlgebra;

/// <summary>
/// The batched backward pass's matrix products, on unpacked row-major operands:
/// <c>C[m, n] += Σ_{k&lt;K} A(m, k)·B[k, n]</c> with <c>A(m, k) = a[m·am + k·ak]</c>, so A can be used as stored
/// (am = lda, ak = 1: δ·W for dh and dx) or transposed (am = 1, ak = lda: δᵀ·X for the weight gradients, reducing over
/// the batch).
/// </summary>
/// <remarks>
/// Determinism: every element is <c>acc = C[m, n]; for k = 0..K-1 in order: acc = acc + A(m, k)·B[k, n]</c> (fused when
/// the hardware has FMA), whichever path (6 × 32 tile on AVX-512, 6 × 16 and 1 × 16 tiles, 16 × 4 tile, scalar tail) computes it, so a result
/// depends only on the operands, never on timing or threads. The order over k is fixed (k ascending), so a reduction over
/// the batch adds the windows in window order.
/// </remarks>
internal static unsafe class StridedGemm
{
    private const int Width = 16;

    public static void MultiplyAdd(float* a, int am, int ak, float* b, int ldb, float* c, int ldc, int m, int n, int k)
    {
        int vectorColumns = Vector256.IsHardwareAccelerated ? n - n % Width : 0;
        int wideColumns = Vector512.IsHardwareAccelerated && Fma.IsSupported ? n - n % (2 * Width) : 0;
        int row = 0;
        for (; row + 6 <= m; row += 6)
        {
            for (int column = 0; column < wideColumns; column += 2 * Width)
            {
                Kernel6x32(a + (nint)row * am, am, ak, b + column, ldb, c + (nint)row * ldc + column, ldc, k);
            }

            for (int column = wideColumns; column < vectorColumns; column += Width)
            {
                Kernel6x16(a + (nint)row * am, am, ak, b + column, ldb, c + (nint)row * ldc + column, ldc, k);
            }
        }

        for (; row < m; row++)
        {
            for (int column = 0; column < vectorColumns; column += Width)
            {
                Kernel1x16(a + (nint)row * am, ak, b + column, ldb, c + (nint)row * ldc + column, k);
            }
        }

        int col = vectorColumns;
        if (am == 1 && Vector256.IsHardwareAccelerated)
        {
            // Narrow right operands (a layer's few inputs) with A transposed: vectorise over m instead, 16 rows × 4 columns.
            for (; col + 4 <= n; col += 4)
            {
                row = 0;
                for (; row + 16 <= m; row += 16)
                {
                    Kernel16x4(a + row, ak, b + col, ldb, c + (nint)row * ldc + col, ldc, k);
                }

                Scalar(a, am, ak, b, ldb, c, ldc, row, m, col, col + 4, k);
            }
        }

        Scalar(a, am, ak, b, ldb, c, ldc, 0, m, col, n, k);
    }

    private static void Scalar(float* a, int am, int ak, float* b, int ldb, float* c, int ldc, int rowStart, int rowEnd, int colStart, int colEnd, int k)
    {
        for (int row = rowStart; row < rowEnd; row++)
        {
            float* ar = a + (nint)row * am;
            for (int col = colStart; col < colEnd; col++)
            {
                float acc = c[(nint)row * ldc + col];
                for (int i = 0; i < k; i++)
                {
                    // Always fused, as every vector kernel: the bits must not depend on the CPU.
                    acc = MathF.FusedMultiplyAdd(ar[(nint)i * ak], b[(nint)i * ldb + col], acc);
                }

                c[(nint)row * ldc + col] = acc;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel16x4(float* a, int ak, float* b, int ldb, float* c, int ldc, int k)
    {
        Vector256<float> x00 = Column(c, ldc), x01 = Column(c + (8 * (nint)ldc), ldc);
        Vector256<float> x10 = Column(c + 1, ldc), x11 = Column(c + 1 + (8 * (nint)ldc), ldc);
        Vector256<float> x20 = Column(c + 2, ldc), x21 = Column(c + 2 + (8 * (nint)ldc), ldc);
        Vector256<float> x30 = Column(c + 3, ldc), x31 = Column(c + 3 + (8 * (nint)ldc), ldc);
        for (int i = 0; i < k; i++, a += ak, b += ldb)
        {
            Vector256<float> a0 = Vector256.Load(a), a1 = Vector256.Load(a + 8);
            var s = Vector256.Create(b[0]);
            x00 = MulAdd(a0, s, x00); x01 = MulAdd(a1, s, x01);
            s = Vector256.Create(b[1]);
            x10 = MulAdd(a0, s, x10); x11 = MulAdd(a1, s, x11);
            s = Vector256.Create(b[2]);
            x20 = MulAdd(a0, s, x20); x21 = MulAdd(a1, s, x21);
            s = Vector256.Create(b[3]);
            x30 = MulAdd(a0, s, x30); x31 = MulAdd(a1, s, x31);
        }

        StoreColumn(x00, c, ldc); StoreColumn(x01, c + (8 * (nint)ldc), ldc);
        StoreColumn(x10, c + 1, ldc); StoreColumn(x11, c + 1 + (8 * (nint)ldc), ldc);
        StoreColumn(x20, c + 2, ldc); StoreColumn(x21, c + 2 + (8 * (nint)ldc), ldc);
        StoreColumn(x30, c + 3, ldc); StoreColumn(x31, c + 3 + (8 * (nint)ldc), ldc);
    }

    private static Vector256<float> Column(float* c, int ldc)
        => Vector256.Create(c[0], c[ldc], c[2 * ldc], c[3 * ldc], c[4 * ldc], c[5 * ldc], c[6 * ldc], c[7 * ldc]);

    private static void StoreColumn(Vector256<float> v, float* c, int ldc)
    {
        for (int i = 0; i < 8; i++)
        {
            c[(nint)i * ldc] = v.GetElement(i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Vector256.FusedMultiplyAdd(a, b, c);

    /// <summary>The 6 × 16 tile twice as wide, on AVX-512 with FMA: the same fused chain per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x32(float* a, int am, int ak, float* b, int ldb, float* c, int ldc, int k)
    {
        float* c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector512<float> x00 = Vector512.Load(c), x01 = Vector512.Load(c + 16);
        Vector512<float> x10 = Vector512.Load(c1), x11 = Vector512.Load(c1 + 16);
        Vector512<float> x20 = Vector512.Load(c2), x21 = Vector512.Load(c2 + 16);
        Vector512<float> x30 = Vector512.Load(c3), x31 = Vector512.Load(c3 + 16);
        Vector512<float> x40 = Vector512.Load(c4), x41 = Vector512.Load(c4 + 16);
        Vector512<float> x50 = Vector512.Load(c5), x51 = Vector512.Load(c5 + 16);
        float* r0 = a, r1 = a + am, r2 = r1 + am, r3 = r2 + am, r4 = r3 + am, r5 = r4 + am;
        nint aOffset = 0;
        for (int i = 0; i < k; i++, aOffset += ak, b += ldb)
        {
            Vector512<float> w0 = Vector512.Load(b), w1 = Vector512.Load(b + 16);
            var s = Vector512.Create(r0[aOffset]);
            x00 = Vector512.FusedMultiplyAdd(s, w0, x00); x01 = Vector512.FusedMultiplyAdd(s, w1, x01);
            s = Vector512.Create(r1[aOffset]);
            x10 = Vector512.FusedMultiplyAdd(s, w0, x10); x11 = Vector512.FusedMultiplyAdd(s, w1, x11);
            s = Vector512.Create(r2[aOffset]);
            x20 = Vector512.FusedMultiplyAdd(s, w0, x20); x21 = Vector512.FusedMultiplyAdd(s, w1, x21);
            s = Vector512.Create(r3[aOffset]);
            x30 = Vector512.FusedMultiplyAdd(s, w0, x30); x31 = Vector512.FusedMultiplyAdd(s, w1, x31);
            s = Vector512.Create(r4[aOffset]);
            x40 = Vector512.FusedMultiplyAdd(s, w0, x40); x41 = Vector512.FusedMultiplyAdd(s, w1, x41);
            s = Vector512.Create(r5[aOffset]);
            x50 = Vector512.FusedMultiplyAdd(s, w0, x50); x51 = Vector512.FusedMultiplyAdd(s, w1, x51);
        }

        x00.Store(c); x01.Store(c + 16);
        x10.Store(c1); x11.Store(c1 + 16);
        x20.Store(c2); x21.Store(c2 + 16);
        x30.Store(c3); x31.Store(c3 + 16);
        x40.Store(c4); x41.Store(c4 + 16);
        x50.Store(c5); x51.Store(c5 + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(float* a, int am, int ak, float* b, int ldb, float* c, int ldc, int k)
    {
        float* c1 = c + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        Vector256<float> x00 = Vector256.Load(c), x01 = Vector256.Load(c + 8);
        Vector256<float> x10 = Vector256.Load(c1), x11 = Vector256.Load(c1 + 8);
        Vector256<float> x20 = Vector256.Load(c2), x21 = Vector256.Load(c2 + 8);
        Vector256<float> x30 = Vector256.Load(c3), x31 = Vector256.Load(c3 + 8);
        Vector256<float> x40 = Vector256.Load(c4), x41 = Vector256.Load(c4 + 8);
        Vector256<float> x50 = Vector256.Load(c5), x51 = Vector256.Load(c5 + 8);
        float* r0 = a, r1 = a + am, r2 = r1 + am, r3 = r2 + am, r4 = r3 + am, r5 = r4 + am;
        nint aOffset = 0;
        for (int i = 0; i < k; i++, aOffset += ak, b += ldb)
        {
            Vector256<float> w0 = Vector256.Load(b), w1 = Vector256.Load(b + 8);
            var s = Vector256.Create(r0[aOffset]);
            x00 = MulAdd(s, w0, x00); x01 = MulAdd(s, w1, x01);
            s = Vector256.Create(r1[aOffset]);
            x10 = MulAdd(s, w0, x10); x11 = MulAdd(s, w1, x11);
            s = Vector256.Create(r2[aOffset]);
            x20 = MulAdd(s, w0, x20); x21 = MulAdd(s, w1, x21);
            s = Vector256.Create(r3[aOffset]);
            x30 = MulAdd(s, w0, x30); x31 = MulAdd(s, w1, x31);
            s = Vector256.Create(r4[aOffset]);
            x40 = MulAdd(s, w0, x40); x41 = MulAdd(s, w1, x41);
            s = Vector256.Create(r5[aOffset]);
            x50 = MulAdd(s, w0, x50); x51 = MulAdd(s, w1, x51);
        }

        x00.Store(c); x01.Store(c + 8);
        x10.Store(c1); x11.Store(c1 + 8);
        x20.Store(c2); x21.Store(c2 + 8);
        x30.Store(c3); x31.Store(c3 + 8);
        x40.Store(c4); x41.Store(c4 + 8);
        x50.Store(c5); x51.Store(c5 + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x16(float* a, int ak, float* b, int ldb, float* c, int k)
    {
        Vector256<float> x0 = Vector256.Load(c), x1 = Vector256.Load(c + 8);
        nint aOffset = 0;
        for (int i = 0; i < k; i++, aOffset += ak, b += ldb)
        {
            var s = Vector256.Create(a[aOffset]);
            x0 = MulAdd(s, Vector256.Load(b), x0);
            x1 = MulAdd(s, Vector256.Load(b + 8), x1);
        }

        x0.Store(c);
        x1.Store(c + 8);
    }
}
