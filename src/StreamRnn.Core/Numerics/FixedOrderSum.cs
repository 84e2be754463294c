using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StreamRnn.Core.Numerics;

/// <summary>
/// Reductions in one fixed order whatever the vector width, so a sum is the same on every CPU
/// (TensorPrimitives' reductions accumulate in as many lanes as the widest vector has, which changes the bits).
/// </summary>
/// <remarks>
/// <c>Σ xᵢ²</c> in double: element i goes to partial sum (i mod 8) for i below the largest multiple of 8, the
/// partials are combined as <c>((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7))</c>, then the remaining elements
/// are added in order. Each square of a float is exact in double, so only the additions round, in that order.
/// </remarks>
internal static class FixedOrderSum
{
    public static double SumOfSquares(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int length = values.Length;
        Vector256<double> low = Vector256<double>.Zero, high = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= length; i += 8)
        {
            (var l, var h) = Vector256.Widen(Vector256.LoadUnsafe(ref start, (nuint)i));
            low += l * l;
            high += h * h;
        }

        // lanes: low = p0..p3, high = p4..p7
        var pairs = low + high;                    // p0+p4, p1+p5, p2+p6, p3+p7
        double sum = ((pairs[0] + pairs[2]) + (pairs[1] + pairs[3]));
        for (; i < length; i++)
        {
            double x = values[i];
            sum += x * x;
        }

        return sum;
    }
}
