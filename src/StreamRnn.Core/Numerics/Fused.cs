using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StreamRnn.Core.Numerics;

/// <summary>
/// The one multiply-add of the core: <c>a·b + c</c> rounded once (IEEE 754 fusedMultiplyAdd), on every CPU.
/// </summary>
/// <remarks>
/// The vector forms are hardware FMA where the CPU has it (x64 FMA3/AVX-512, ARM64 AdvSimd) and otherwise the
/// runtime's per-lane software fallback, which is the correctly rounded <see cref="MathF.FusedMultiplyAdd"/>; so the
/// bits never depend on the instruction set, only the speed does. Never write <c>Fma.IsSupported ? … : a * b + c</c>
/// in this project: that choice is exactly what made results differ between machines.
/// </remarks>
internal static class Fused
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MulAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MulAdd(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
}
