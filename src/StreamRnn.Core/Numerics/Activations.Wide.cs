using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StreamRnn.Core.Numerics;

/// <summary>
/// Vector512 σ, tanh and exp: the Vector256 functions' operations in the same order, lane for lane, so a value gets
/// the same bits whichever width computes it (the determinism tests compare both).
/// </summary>
internal static partial class Activations
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> e = ExpNonPositive(-Vector512.Abs(x));
        Vector512<float> s = Vector512<float>.One / (Vector512<float>.One + e);
        Vector512<float> result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), e * s, s);
        return KeepNaN(x, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> a = Vector512.Abs(x);
        Vector512<float> e = ExpNonPositive(Vector512.Create(-2f) * a);
        Vector512<float> large = (Vector512<float>.One - e) / (Vector512<float>.One + e);

        Vector512<float> a2 = a * a;
        Vector512<float> a4 = a2 * a2;
        Vector512<float> q0 = Fused.MulAdd(a2, Vector512.Create(2f / 15f), Vector512.Create(-1f / 3f));
        Vector512<float> q1 = Fused.MulAdd(a2, Vector512.Create(62f / 2835f), Vector512.Create(-17f / 315f));
        Vector512<float> q2 = Fused.MulAdd(a2, Vector512.Create(21844f / 6081075f), Vector512.Create(-1382f / 155925f));
        Vector512<float> p = Fused.MulAdd(a4, Fused.MulAdd(a4, q2, q1), q0);
        Vector512<float> small = Fused.MulAdd(a * a2, p, a);

        Vector512<float> magnitude = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(SmallTanh)), small, large);
        Vector512<float> sign = x & Vector512.Create(-0f);
        return KeepNaN(x, magnitude | sign);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> KeepNaN(Vector512<float> x, Vector512<float> result) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-87f));
        Vector512<float> magic = Vector512.Create(RoundingMagic);
        Vector512<float> t = Fused.MulAdd(x, Vector512.Create(Log2E), magic);
        Vector512<float> n = t - magic;
        Vector512<float> r = Fused.MulAdd(n, Vector512.Create(-Ln2High), x);
        r = Fused.MulAdd(n, Vector512.Create(-Ln2Low), r);

        Vector512<float> r2 = r * r;
        Vector512<float> r4 = r2 * r2;
        Vector512<float> p01 = Vector512<float>.One + r;
        Vector512<float> p23 = Fused.MulAdd(r, Vector512.Create(1f / 6f), Vector512.Create(0.5f));
        Vector512<float> p45 = Fused.MulAdd(r, Vector512.Create(1f / 120f), Vector512.Create(1f / 24f));
        Vector512<float> p67 = Fused.MulAdd(r, Vector512.Create(1f / 5040f), Vector512.Create(1f / 720f));
        Vector512<float> p = Fused.MulAdd(r4, Fused.MulAdd(r2, p67, p45), Fused.MulAdd(r2, p23, p01));
        Vector512<int> exponent = Vector512.ShiftLeft(t.AsInt32() + Vector512.Create(127 - 0x4B400000), 23);
        return p * exponent.AsSingle();
    }
}
