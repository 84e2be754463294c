using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.LinearAlgebra;

/// <summary>
/// The matrix-matrix product of the batched step: <c>C[b, n] = bias[n] + Σ_{k&lt;K1} A1[b, k]·W[k, n] + Σ_{k&lt;K2} A2[b, k]·W[K1 + k, n]</c>
/// for a packed W (<see cref="PackedMatrix"/>). Two left operands let a layer multiply [x, h] without copying
/// x and h side by side first.
/// </summary>
/// <remarks>
/// Determinism (the reason for this kernel's shape): every output element is computed as
/// <c>acc = bias[n]; for k = 0..K-1 in order: acc = fma(a[b, k], W[k, n], acc)</c>, one vector lane per element,
/// whatever the number of rows, the row's position in the batch, or which micro-kernel (6 × 16 for blocks of six
/// rows, 1 × 64 and 1 × 16 for the rest) handles it. So a batched step equals single steps bit for bit.
/// Every multiply-add is fused (<see cref="Fused"/>: hardware FMA, or its correctly rounded software form), so the bits
/// are also the same on every CPU. The Vector512 kernels (PackedGemm.Wide.cs, chosen when Vector512 is accelerated)
/// hold one 16-float panel row per register instead of two Vector256 halves: the same lanes, the same sequence per
/// element, the same bits. Padded panel lanes are computed and discarded like real ones.
/// <para>
/// Sweep direction: a one-row product is bound by L2 → L1 bandwidth once the packed weights outgrow L1 (LSTM H = 64:
/// 74 KB against 32 KB). Callers that run the same matrix once per step alternate <c>fromLastPanel</c>, so a step
/// starts on the panels the previous step touched last, which are still in L1. Only the order of whole panels
/// changes, never the sequence of multiply-adds inside an element, so both directions give the same bits.
/// </para>
/// </remarks>
internal static unsafe partial class PackedGemm
{
    private const int Width = PackedMatrix.PanelWidth;

    /// <summary>
    /// Computes <paramref name="rows"/> rows of C (<see cref="PackedMatrix.PaddedColumns"/> floats each, stride
    /// <paramref name="ldc"/>); single rows visit the panels last to first when <paramref name="fromLastPanel"/> is set.
    /// </summary>
    public static void Multiply(float* a1, int lda1, int k1, float* a2, int lda2, int k2, int rows, PackedMatrix w, float* c, int ldc,
        bool fromLastPanel = false)
        => Multiply(a1, lda1, k1, a2, lda2, k2, rows, w, c, ldc, Vector512.IsHardwareAccelerated, fromLastPanel);

    /// <summary>As above, choosing the register width explicitly (tests compare the Vector512 and Vector256 kernels bit for bit).</summary>
    internal static void Multiply(float* a1, int lda1, int k1, float* a2, int lda2, int k2, int rows, PackedMatrix w, float* c, int ldc, bool wide,
        bool fromLastPanel)
    {
        Debug.Assert(k1 + k2 == w.Rows, "The operands must cover the packed rows exactly.");
        Debug.Assert(ldc >= w.PaddedColumns, "Destination rows must hold the padded columns.");
        if (wide)
        {
            MultiplyWide(a1, lda1, k1, a2, lda2, k2, rows, w, c, ldc, fromLastPanel);
        }
        else
        {
            MultiplyNarrow(a1, lda1, k1, a2, lda2, k2, rows, w, c, ldc, fromLastPanel);
        }
    }

    private static void MultiplyNarrow(float* a1, int lda1, int k1, float* a2, int lda2, int k2, int rows, PackedMatrix w, float* c, int ldc,
        bool fromLastPanel)
    {
        int panels = w.PanelCount;
        int stride = w.PanelStride;
        float* packed = w.Panels;
        float* bias = w.Bias;
        int row = 0;
        for (; row + 6 <= rows; row += 6)
        {
            for (int p = 0; p < panels; p++)
            {
                Kernel6x16(a1 + (nint)row * lda1, lda1, k1, a2 + (nint)row * lda2, lda2, k2,
                    packed + (nint)p * stride, bias + p * Width, c + (nint)row * ldc + p * Width, ldc);
            }
        }

        for (; row < rows; row++)
        {
            float* x1 = a1 + (nint)row * lda1;
            float* x2 = a2 + (nint)row * lda2;
            float* destination = c + (nint)row * ldc;
            int grouped = panels - panels % 4;
            if (fromLastPanel)
            {
                for (int p = panels - 1; p >= grouped; p--)
                {
                    Kernel1x16(x1, k1, x2, k2, packed + (nint)p * stride, bias + p * Width, destination + p * Width);
                }

                for (int p = grouped - 4; p >= 0; p -= 4)
                {
                    Kernel1x64(x1, k1, x2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width);
                }
            }
            else
            {
                for (int p = 0; p < grouped; p += 4)
                {
                    Kernel1x64(x1, k1, x2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width);
                }

                for (int p = grouped; p < panels; p++)
                {
                    Kernel1x16(x1, k1, x2, k2, packed + (nint)p * stride, bias + p * Width, destination + p * Width);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(float* a1, int lda1, int k1, float* a2, int lda2, int k2, float* w, float* bias, float* c, int ldc)
    {
        Vector256<float> c00 = Vector256.Load(bias), c01 = Vector256.Load(bias + 8);
        Vector256<float> c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01, c50 = c00, c51 = c01;
        float* r0 = a1, r1 = a1 + lda1, r2 = a1 + 2 * lda1, r3 = a1 + 3 * lda1, r4 = a1 + 4 * lda1, r5 = a1 + 5 * lda1;
        for (int k = 0; k < k1; k++, w += Width)
        {
            Vector256<float> w0 = Vector256.Load(w), w1 = Vector256.Load(w + 8);
            var a = Vector256.Create(r0[k]);
            c00 = Fused.MulAdd(a, w0, c00); c01 = Fused.MulAdd(a, w1, c01);
            a = Vector256.Create(r1[k]);
            c10 = Fused.MulAdd(a, w0, c10); c11 = Fused.MulAdd(a, w1, c11);
            a = Vector256.Create(r2[k]);
            c20 = Fused.MulAdd(a, w0, c20); c21 = Fused.MulAdd(a, w1, c21);
            a = Vector256.Create(r3[k]);
            c30 = Fused.MulAdd(a, w0, c30); c31 = Fused.MulAdd(a, w1, c31);
            a = Vector256.Create(r4[k]);
            c40 = Fused.MulAdd(a, w0, c40); c41 = Fused.MulAdd(a, w1, c41);
            a = Vector256.Create(r5[k]);
            c50 = Fused.MulAdd(a, w0, c50); c51 = Fused.MulAdd(a, w1, c51);
        }

        r0 = a2; r1 = a2 + lda2; r2 = a2 + 2 * lda2; r3 = a2 + 3 * lda2; r4 = a2 + 4 * lda2; r5 = a2 + 5 * lda2;
        for (int k = 0; k < k2; k++, w += Width)
        {
            Vector256<float> w0 = Vector256.Load(w), w1 = Vector256.Load(w + 8);
            var a = Vector256.Create(r0[k]);
            c00 = Fused.MulAdd(a, w0, c00); c01 = Fused.MulAdd(a, w1, c01);
            a = Vector256.Create(r1[k]);
            c10 = Fused.MulAdd(a, w0, c10); c11 = Fused.MulAdd(a, w1, c11);
            a = Vector256.Create(r2[k]);
            c20 = Fused.MulAdd(a, w0, c20); c21 = Fused.MulAdd(a, w1, c21);
            a = Vector256.Create(r3[k]);
            c30 = Fused.MulAdd(a, w0, c30); c31 = Fused.MulAdd(a, w1, c31);
            a = Vector256.Create(r4[k]);
            c40 = Fused.MulAdd(a, w0, c40); c41 = Fused.MulAdd(a, w1, c41);
            a = Vector256.Create(r5[k]);
            c50 = Fused.MulAdd(a, w0, c50); c51 = Fused.MulAdd(a, w1, c51);
        }

        c00.Store(c); c01.Store(c + 8); c += ldc;
        c10.Store(c); c11.Store(c + 8); c += ldc;
        c20.Store(c); c21.Store(c + 8); c += ldc;
        c30.Store(c); c31.Store(c + 8); c += ldc;
        c40.Store(c); c41.Store(c + 8); c += ldc;
        c50.Store(c); c51.Store(c + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x64(float* a1, int k1, float* a2, int k2, float* w, int stride, float* bias, float* c)
    {
        float* w1 = w + stride, w2 = w + 2 * stride, w3 = w + 3 * stride;
        Vector256<float> c0 = Vector256.Load(bias), c1 = Vector256.Load(bias + 8);
        Vector256<float> c2 = Vector256.Load(bias + 16), c3 = Vector256.Load(bias + 24);
        Vector256<float> c4 = Vector256.Load(bias + 32), c5 = Vector256.Load(bias + 40);
        Vector256<float> c6 = Vector256.Load(bias + 48), c7 = Vector256.Load(bias + 56);
        nint offset = 0;
        for (int k = 0; k < k1; k++, offset += Width)
        {
            var a = Vector256.Create(a1[k]);
            c0 = Fused.MulAdd(a, Vector256.Load(w + offset), c0); c1 = Fused.MulAdd(a, Vector256.Load(w + offset + 8), c1);
            c2 = Fused.MulAdd(a, Vector256.Load(w1 + offset), c2); c3 = Fused.MulAdd(a, Vector256.Load(w1 + offset + 8), c3);
            c4 = Fused.MulAdd(a, Vector256.Load(w2 + offset), c4); c5 = Fused.MulAdd(a, Vector256.Load(w2 + offset + 8), c5);
            c6 = Fused.MulAdd(a, Vector256.Load(w3 + offset), c6); c7 = Fused.MulAdd(a, Vector256.Load(w3 + offset + 8), c7);
        }

        for (int k = 0; k < k2; k++, offset += Width)
        {
            var a = Vector256.Create(a2[k]);
            c0 = Fused.MulAdd(a, Vector256.Load(w + offset), c0); c1 = Fused.MulAdd(a, Vector256.Load(w + offset + 8), c1);
            c2 = Fused.MulAdd(a, Vector256.Load(w1 + offset), c2); c3 = Fused.MulAdd(a, Vector256.Load(w1 + offset + 8), c3);
            c4 = Fused.MulAdd(a, Vector256.Load(w2 + offset), c4); c5 = Fused.MulAdd(a, Vector256.Load(w2 + offset + 8), c5);
            c6 = Fused.MulAdd(a, Vector256.Load(w3 + offset), c6); c7 = Fused.MulAdd(a, Vector256.Load(w3 + offset + 8), c7);
        }

        c0.Store(c); c1.Store(c + 8); c2.Store(c + 16); c3.Store(c + 24);
        c4.Store(c + 32); c5.Store(c + 40); c6.Store(c + 48); c7.Store(c + 56);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1x16(float* a1, int k1, float* a2, int k2, float* w, float* bias, float* c)
    {
        Vector256<float> c0 = Vector256.Load(bias), c1 = Vector256.Load(bias + 8);
        for (int k = 0; k < k1; k++, w += Width)
        {
            var a = Vector256.Create(a1[k]);
            c0 = Fused.MulAdd(a, Vector256.Load(w), c0);
            c1 = Fused.MulAdd(a, Vector256.Load(w + 8), c1);
        }

        for (int k = 0; k < k2; k++, w += Width)
        {
            var a = Vector256.Create(a2[k]);
            c0 = Fused.MulAdd(a, Vector256.Load(w), c0);
            c1 = Fused.MulAdd(a, Vector256.Load(w + 8), c1);
        }

        c0.Store(c);
        c1.Store(c + 8);
    }
}
