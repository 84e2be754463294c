using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.LinearAlgebra;

/// <summary>
/// <c>w·x + bias</c> for one row of a small output layer (the head: one or two outputs). A 16-column GEMM panel would
/// compute fifteen discarded lanes and one K-long chain of dependent multiply-adds; this is four independent chains.
/// </summary>
/// <remarks>
/// Fixed order for a given length n, so a result depends on the operands only (never on a batch or row position):
/// <code>
/// acc_q = fma(w[8m..8m+7], x[8m..8m+7], acc_q) for m = 0, 1, …, ⌊n/8⌋ − 1 in order, q = m mod 4, acc_q starting at 0
/// v = (acc_0 + acc_1) + (acc_2 + acc_3);  s = ((v_0 + v_4) + (v_2 + v_6)) + ((v_1 + v_5) + (v_3 + v_7))
/// s = fma(w[k], x[k], s) for the remaining k in order;  result = s + bias
/// </code>
/// every multiply-add fused on every CPU (<see cref="Fused"/>), so the result is also the same on every CPU.
/// </remarks>
internal static unsafe class DotProduct
{
    private const int Lanes = 8;

    public static float Affine(float* w, float* x, int length, float bias)
    {
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int k = 0;
        for (; k + 4 * Lanes <= length; k += 4 * Lanes)
        {
            acc0 = MulAdd(Vector256.Load(w + k), Vector256.Load(x + k), acc0);
            acc1 = MulAdd(Vector256.Load(w + k + Lanes), Vector256.Load(x + k + Lanes), acc1);
            acc2 = MulAdd(Vector256.Load(w + k + 2 * Lanes), Vector256.Load(x + k + 2 * Lanes), acc2);
            acc3 = MulAdd(Vector256.Load(w + k + 3 * Lanes), Vector256.Load(x + k + 3 * Lanes), acc3);
        }

        if (k + Lanes <= length)
        {
            acc0 = MulAdd(Vector256.Load(w + k), Vector256.Load(x + k), acc0);
            k += Lanes;
        }

        if (k + Lanes <= length)
        {
            acc1 = MulAdd(Vector256.Load(w + k), Vector256.Load(x + k), acc1);
            k += Lanes;
        }

        if (k + Lanes <= length)
        {
            acc2 = MulAdd(Vector256.Load(w + k), Vector256.Load(x + k), acc2);
            k += Lanes;
        }

        var v = (acc0 + acc1) + (acc2 + acc3);
        var quarter = v.GetLower() + v.GetUpper();
        var half = quarter + Vector128.Shuffle(quarter, Vector128.Create(2, 3, 0, 1));
        float sum = half.ToScalar() + half.GetElement(1);
        for (; k < length; k++)
        {
            sum = Fused.MulAdd(w[k], x[k], sum);
        }

        return sum + bias;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fused.MulAdd(a, b, c);
}
