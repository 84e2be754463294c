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
        var e = ExpNonPositive(-Vector512.Abs(x));
        var s = Vector512<float>.One / (Vector512<float>.One + e);
        var result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), e * s, s);
        return KeepNaN(x, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var a = Vector512.Abs(x);
        var e = ExpNonPositive(Vector512.Create(-2f) * a);
        var large = (Vector512<float>.One - e) / (Vector512<float>.One + e);

        var a2 = a * a;
        var a4 = a2 * a2;
        var q0 = Fused.MulAdd(a2, Vector512.Create(2f / 15f), Vector512.Create(-1f / 3f));
        var q1 = Fused.MulAdd(a2, Vector512.Create(62f / 2835f), Vector512.Create(-17f / 315f));
        var q2 = Fused.MulAdd(a2, Vector512.Create(21844f / 6081075f), Vector512.Create(-1382f / 155925f));
        var p = Fused.MulAdd(a4, Fused.MulAdd(a4, q2, q1), q0);
        var small = Fused.MulAdd(a * a2, p, a);

        var magnitude = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(SmallTanh)), small, large);
        var sign = x & Vector512.Create(-0f);
        return KeepNaN(x, magnitude | sign);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> KeepNaN(Vector512<float> x, Vector512<float> result) =>
        Vector512.ConditionalSelect(Vector512.Equals(x, x), result, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpNonPositive(Vector512<float> x)
    {
        x = Vector512.Max(x, Vector512.Create(-87f));
        var magic = Vector512.Create(RoundingMagic);
        var t = Fused.MulAdd(x, Vector512.Create(Log2E), magic);
        var n = t - magic;
        var r = Fused.MulAdd(n, Vector512.Create(-Ln2High), x);
        r = Fused.MulAdd(n, Vector512.Create(-Ln2Low), r);

        var r2 = r * r;
        var r4 = r2 * r2;
        var p01 = Vector512<float>.One + r;
        var p23 = Fused.MulAdd(r, Vector512.Create(1f / 6f), Vector512.Create(0.5f));
        var p45 = Fused.MulAdd(r, Vector512.Create(1f / 120f), Vector512.Create(1f / 24f));
        var p67 = Fused.MulAdd(r, Vector512.Create(1f / 5040f), Vector512.Create(1f / 720f));
        var p = Fused.MulAdd(r4, Fused.MulAdd(r2, p67, p45), Fused.MulAdd(r2, p23, p01));
        var exponent = Vector512.ShiftLeft(t.AsInt32() + Vector512.Create(127 - 0x4B400000), 23);
        return p * exponent.AsSingle();
    }
}
