using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StreamRnn.Core.Numerics;

/// <summary>
/// Vectorised σ and tanh for the cells' elementwise parts: deterministic per element by construction (which
/// TensorPrimitives does not promise: its short tails take scalar paths), NaN-preserving, and no slower.
/// </summary>
/// <remarks>
/// <para>
/// Every element, including those of a tail shorter than a vector (copied through an 8-float buffer), goes through
/// the same Vector256 code, so its result depends on its value only — never on the span length, its position or
/// alignment. Every multiply-add is fused (<see cref="Fused"/>, hardware or correctly rounded software), and the
/// Vector512 forms (Activations.Wide.cs, used for whole 16-float blocks when Vector512 is accelerated) repeat the
/// Vector256 operations lane for lane: the bits depend on the value only, on every CPU.
/// </para>
/// <para>
/// <c>exp(x)</c> for x ≤ 0: x = n·ln 2 + r with n = round(x·log₂e), Cody–Waite split of ln 2, |r| ≤ ½ln 2; e^r by its
/// Taylor polynomial to degree 7 evaluated by Estrin's scheme (truncation &lt; 6e-9 relative); times 2ⁿ built in the exponent bits. x is clamped
/// at −87 so 2ⁿ stays a normal float.
/// <c>σ(x) = 1/(1 + e)</c> for x ≥ 0 and <c>e/(1 + e)</c> for x &lt; 0, with e = exp(−|x|) (accurate in both tails).
/// <c>tanh(x) = sign(x)·(1 − e)/(1 + e)</c>, e = exp(−2|x|), for |x| ≥ 0.3; below, its Taylor series to x¹³
/// (truncation &lt; 1e-10 relative), which avoids the cancellation in 1 − e. Relative error of both: a few 1e-7.
/// </para>
/// </remarks>
internal static partial class Activations
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2High = 0.693145751953125f;
    private const float Ln2Low = 1.42860676533018704e-06f;
    private const float RoundingMagic = 12582912f; // 1.5·2²³: adding and subtracting it rounds to the nearest integer
    private const float SmallTanh = 0.3f;

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination) => Apply<SigmoidOperator>(x, destination);

    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination) => Apply<TanhOperator>(x, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        var e = ExpNonPositive(-Vector256.Abs(x));
        var s = Vector256<float>.One / (Vector256<float>.One + e);
        var result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), e * s, s);
        return KeepNaN(x, result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var e = ExpNonPositive(Vector256.Create(-2f) * a);
        var large = (Vector256<float>.One - e) / (Vector256<float>.One + e);

        // Taylor series of tanh: a − a³/3 + 2a⁵/15 − 17a⁷/315 + 62a⁹/2835 − 1382a¹¹/155925 + 21844a¹³/6081075.
        var a2 = a * a;
        var a4 = a2 * a2;
        var q0 = MulAdd(a2, Vector256.Create(2f / 15f), Vector256.Create(-1f / 3f));
        var q1 = MulAdd(a2, Vector256.Create(62f / 2835f), Vector256.Create(-17f / 315f));
        var q2 = MulAdd(a2, Vector256.Create(21844f / 6081075f), Vector256.Create(-1382f / 155925f));
        var p = MulAdd(a4, MulAdd(a4, q2, q1), q0);
        var small = MulAdd(a * a2, p, a);

        var magnitude = Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(SmallTanh)), small, large);
        var sign = x & Vector256.Create(-0f);
        return KeepNaN(x, magnitude | sign);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fused.MulAdd(a, b, c);

    /// <summary>NaN in, NaN out: the step's non-finite check relies on it (the clamp in exp would hide a NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> KeepNaN(Vector256<float> x, Vector256<float> result) =>
        Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ExpNonPositive(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87f));

        // t = x·log₂e + 1.5·2²³ holds n = round(x·log₂e) in its low mantissa bits (its bit pattern is 0x4B400000 + n),
        // which gives both n as a float and 2ⁿ's exponent bits without a float-to-int conversion.
        var magic = Vector256.Create(RoundingMagic);
        var t = MulAdd(x, Vector256.Create(Log2E), magic);
        var n = t - magic;
        var r = MulAdd(n, Vector256.Create(-Ln2High), x);
        r = MulAdd(n, Vector256.Create(-Ln2Low), r);

        // e^r to degree 7 by Estrin's scheme (shorter dependency chain than Horner's).
        var r2 = r * r;
        var r4 = r2 * r2;
        var p01 = Vector256<float>.One + r;
        var p23 = MulAdd(r, Vector256.Create(1f / 6f), Vector256.Create(0.5f));
        var p45 = MulAdd(r, Vector256.Create(1f / 120f), Vector256.Create(1f / 24f));
        var p67 = MulAdd(r, Vector256.Create(1f / 5040f), Vector256.Create(1f / 720f));
        var p = MulAdd(r4, MulAdd(r2, p67, p45), MulAdd(r2, p23, p01));
        var exponent = Vector256.ShiftLeft(t.AsInt32() + Vector256.Create(127 - 0x4B400000), 23);
        return p * exponent.AsSingle();
    }

    private static void Apply<TOperator>(ReadOnlySpan<float> x, Span<float> destination)
        where TOperator : struct, IOperator
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException("Destination is too short.", nameof(destination));
        }

        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination);
        int length = x.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<float>.Count <= length; i += Vector512<float>.Count)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i + Vector256<float>.Count <= length; i += Vector256<float>.Count)
        {
            TOperator.Invoke(Vector256.LoadUnsafe(ref source, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
        }

        if (i < length)
        {
            // An inline struct buffer rather than stackalloc: a localloc would cost every call a slower frame.
            var buffer = default(TailBuffer);
            Span<float> tail = buffer;
            x[i..].CopyTo(tail);
            var result = TOperator.Invoke(Vector256.Create<float>(tail));
            result.CopyTo(tail);
            tail[..(length - i)].CopyTo(destination[i..]);
        }
    }

    [InlineArray(8)]
    private struct TailBuffer
    {
        private float _element;
    }

    private interface IOperator
    {
        static abstract Vector256<float> Invoke(Vector256<float> x);

        static abstract Vector512<float> Invoke(Vector512<float> x);
    }

    private readonly struct SigmoidOperator : IOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) => Sigmoid(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Invoke(Vector512<float> x) => Sigmoid(x);
    }

    private readonly struct TanhOperator : IOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Invoke(Vector256<float> x) => Tanh(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Invoke(Vector512<float> x) => Tanh(x);
    }
}
