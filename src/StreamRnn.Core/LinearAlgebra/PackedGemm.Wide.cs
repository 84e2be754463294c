using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.LinearAlgebra;

/// <summary>
/// The Vector512 kernels: a panel row (16 floats) is one register, so blocks of six rows take two panels at a time
/// (6 × 32, twelve accumulators of the 32 registers) and single rows up to eight panels (1 × 128: eight independent
/// FMA chains, enough to cover the FMA latency on two pipes). Each element is still <c>bias, then fma over k in
/// order</c>, so these kernels give the Vector256 kernels' bits exactly.
/// </summary>
internal static unsafe partial class PackedGemm
{
    private static void MultiplyWide(float* a1, int lda1, int k1, float* a2, int lda2, int k2, int rows, PackedMatrix w, float* c, int ldc,
        bool fromLastPanel)
    {
        int panels = w.PanelCount;
        int stride = w.PanelStride;
        float* packed = w.Panels;
        float* bias = w.Bias;
        int row = 0;
        for (; row + 6 <= rows; row += 6)
        {
            float* r1 = a1 + (nint)row * lda1, r2 = a2 + (nint)row * lda2, destination = c + (nint)row * ldc;
            int p = 0;
            for (; p + 2 <= panels; p += 2)
            {
                Wide6x32(r1, lda1, k1, r2, lda2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width, ldc);
            }

            if (p < panels)
            {
                Wide6x16(r1, lda1, k1, r2, lda2, k2, packed + (nint)p * stride, bias + p * Width, destination + p * Width, ldc);
            }
        }

        int end8 = panels - panels % 8;
        int end4 = end8 + (panels - end8) / 4 * 4;
        for (; row < rows; row++)
        {
            float* x1 = a1 + (nint)row * lda1;
            float* x2 = a2 + (nint)row * lda2;
            float* destination = c + (nint)row * ldc;
            if (fromLastPanel)
            {
                for (int p = panels - 1; p >= end4; p--)
                {
                    Wide1x16(x1, k1, x2, k2, packed + (nint)p * stride, bias + p * Width, destination + p * Width);
                }

                for (int p = end4 - 4; p >= end8; p -= 4)
                {
                    Wide1x64(x1, k1, x2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width);
                }

                for (int p = end8 - 8; p >= 0; p -= 8)
                {
                    Wide1x128(x1, k1, x2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width);
                }
            }
            else
            {
                for (int p = 0; p < end8; p += 8)
                {
                    Wide1x128(x1, k1, x2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width);
                }

                for (int p = end8; p < end4; p += 4)
                {
                    Wide1x64(x1, k1, x2, k2, packed + (nint)p * stride, stride, bias + p * Width, destination + p * Width);
                }

                for (int p = end4; p < panels; p++)
                {
                    Wide1x16(x1, k1, x2, k2, packed + (nint)p * stride, bias + p * Width, destination + p * Width);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Wide6x32(float* a1, int lda1, int k1, float* a2, int lda2, int k2, float* w, int stride, float* bias, float* c, int ldc)
    {
        Vector512<float> c00 = Vector512.Load(bias), c01 = Vector512.Load(bias + Width);
        Vector512<float> c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01, c40 = c00, c41 = c01, c50 = c00, c51 = c01;
        float* v = w + stride;
        for (int part = 0; part < 2; part++)
        {
            float* r0 = part == 0 ? a1 : a2;
            int lda = part == 0 ? lda1 : lda2;
            int count = part == 0 ? k1 : k2;
            float* r1 = r0 + lda, r2 = r0 + 2 * lda, r3 = r0 + 3 * lda, r4 = r0 + 4 * lda, r5 = r0 + 5 * lda;
            for (int k = 0; k < count; k++, w += Width, v += Width)
            {
                Vector512<float> w0 = Vector512.Load(w), w1 = Vector512.Load(v);
                var a = Vector512.Create(r0[k]);
                c00 = Fused.MulAdd(a, w0, c00); c01 = Fused.MulAdd(a, w1, c01);
                a = Vector512.Create(r1[k]);
                c10 = Fused.MulAdd(a, w0, c10); c11 = Fused.MulAdd(a, w1, c11);
                a = Vector512.Create(r2[k]);
                c20 = Fused.MulAdd(a, w0, c20); c21 = Fused.MulAdd(a, w1, c21);
                a = Vector512.Create(r3[k]);
                c30 = Fused.MulAdd(a, w0, c30); c31 = Fused.MulAdd(a, w1, c31);
                a = Vector512.Create(r4[k]);
                c40 = Fused.MulAdd(a, w0, c40); c41 = Fused.MulAdd(a, w1, c41);
                a = Vector512.Create(r5[k]);
                c50 = Fused.MulAdd(a, w0, c50); c51 = Fused.MulAdd(a, w1, c51);
            }
        }

        c00.Store(c); c01.Store(c + Width); c += ldc;
        c10.Store(c); c11.Store(c + Width); c += ldc;
        c20.Store(c); c21.Store(c + Width); c += ldc;
        c30.Store(c); c31.Store(c + Width); c += ldc;
        c40.Store(c); c41.Store(c + Width); c += ldc;
        c50.Store(c); c51.Store(c + Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Wide6x16(float* a1, int lda1, int k1, float* a2, int lda2, int k2, float* w, float* bias, float* c, int ldc)
    {
        Vector512<float> c0 = Vector512.Load(bias), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        for (int part = 0; part < 2; part++)
        {
            float* r0 = part == 0 ? a1 : a2;
            int lda = part == 0 ? lda1 : lda2;
            int count = part == 0 ? k1 : k2;
            float* r1 = r0 + lda, r2 = r0 + 2 * lda, r3 = r0 + 3 * lda, r4 = r0 + 4 * lda, r5 = r0 + 5 * lda;
            for (int k = 0; k < count; k++, w += Width)
            {
                var w0 = Vector512.Load(w);
                c0 = Fused.MulAdd(Vector512.Create(r0[k]), w0, c0);
                c1 = Fused.MulAdd(Vector512.Create(r1[k]), w0, c1);
                c2 = Fused.MulAdd(Vector512.Create(r2[k]), w0, c2);
                c3 = Fused.MulAdd(Vector512.Create(r3[k]), w0, c3);
                c4 = Fused.MulAdd(Vector512.Create(r4[k]), w0, c4);
                c5 = Fused.MulAdd(Vector512.Create(r5[k]), w0, c5);
            }
        }

        c0.Store(c); c += ldc;
        c1.Store(c); c += ldc;
        c2.Store(c); c += ldc;
        c3.Store(c); c += ldc;
        c4.Store(c); c += ldc;
        c5.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Wide1x128(float* a1, int k1, float* a2, int k2, float* w, int stride, float* bias, float* c)
    {
        float* w1 = w + stride, w2 = w1 + stride, w3 = w2 + stride, w4 = w3 + stride, w5 = w4 + stride, w6 = w5 + stride, w7 = w6 + stride;
        Vector512<float> c0 = Vector512.Load(bias), c1 = Vector512.Load(bias + Width);
        Vector512<float> c2 = Vector512.Load(bias + 2 * Width), c3 = Vector512.Load(bias + 3 * Width);
        Vector512<float> c4 = Vector512.Load(bias + 4 * Width), c5 = Vector512.Load(bias + 5 * Width);
        Vector512<float> c6 = Vector512.Load(bias + 6 * Width), c7 = Vector512.Load(bias + 7 * Width);
        nint offset = 0;
        for (int part = 0; part < 2; part++)
        {
            float* x = part == 0 ? a1 : a2;
            int count = part == 0 ? k1 : k2;
            for (int k = 0; k < count; k++, offset += Width)
            {
                var a = Vector512.Create(x[k]);
                c0 = Fused.MulAdd(a, Vector512.Load(w + offset), c0);
                c1 = Fused.MulAdd(a, Vector512.Load(w1 + offset), c1);
                c2 = Fused.MulAdd(a, Vector512.Load(w2 + offset), c2);
                c3 = Fused.MulAdd(a, Vector512.Load(w3 + offset), c3);
                c4 = Fused.MulAdd(a, Vector512.Load(w4 + offset), c4);
                c5 = Fused.MulAdd(a, Vector512.Load(w5 + offset), c5);
                c6 = Fused.MulAdd(a, Vector512.Load(w6 + offset), c6);
                c7 = Fused.MulAdd(a, Vector512.Load(w7 + offset), c7);
            }
        }

        c0.Store(c); c1.Store(c + Width); c2.Store(c + 2 * Width); c3.Store(c + 3 * Width);
        c4.Store(c + 4 * Width); c5.Store(c + 5 * Width); c6.Store(c + 6 * Width); c7.Store(c + 7 * Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Wide1x64(float* a1, int k1, float* a2, int k2, float* w, int stride, float* bias, float* c)
    {
        float* w1 = w + stride, w2 = w1 + stride, w3 = w2 + stride;
        Vector512<float> c0 = Vector512.Load(bias), c1 = Vector512.Load(bias + Width);
        Vector512<float> c2 = Vector512.Load(bias + 2 * Width), c3 = Vector512.Load(bias + 3 * Width);
        nint offset = 0;
        for (int part = 0; part < 2; part++)
        {
            float* x = part == 0 ? a1 : a2;
            int count = part == 0 ? k1 : k2;
            for (int k = 0; k < count; k++, offset += Width)
            {
                var a = Vector512.Create(x[k]);
                c0 = Fused.MulAdd(a, Vector512.Load(w + offset), c0);
                c1 = Fused.MulAdd(a, Vector512.Load(w1 + offset), c1);
                c2 = Fused.MulAdd(a, Vector512.Load(w2 + offset), c2);
                c3 = Fused.MulAdd(a, Vector512.Load(w3 + offset), c3);
            }
        }

        c0.Store(c); c1.Store(c + Width); c2.Store(c + 2 * Width); c3.Store(c + 3 * Width);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Wide1x16(float* a1, int k1, float* a2, int k2, float* w, float* bias, float* c)
    {
        var c0 = Vector512.Load(bias);
        for (int k = 0; k < k1; k++, w += Width)
        {
            c0 = Fused.MulAdd(Vector512.Create(a1[k]), Vector512.Load(w), c0);
        }

        for (int k = 0; k < k2; k++, w += Width)
        {
            c0 = Fused.MulAdd(Vector512.Create(a2[k]), Vector512.Load(w), c0);
        }

        c0.Store(c);
    }
}
