using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StreamRnn.Core.Numerics;

/// <summary>Finiteness tests for spans of floats.</summary>
internal static class FiniteCheck
{
    /// <summary>Index of the first NaN or ±Inf, or -1 if all values are finite.</summary>
    public static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        // x − x is 0 for every finite x and NaN for NaN and ±Inf, so one subtraction and compare test all three.
        ref float start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static bool AllFinite(ReadOnlySpan<float> values) => IndexOfNonFinite(values) < 0;
}
