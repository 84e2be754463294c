using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Heads;

/// <summary>
/// Binary head: one logit z, p = σ(z), trained with binary cross-entropy computed stably from the logit:
/// <c>L = w · (max(z, 0) − z·y + log(1 + e^(−|z|)))</c> (equal to −y log p − (1 − y) log(1 − p) without ever
/// forming log 0); <c>∂L/∂z = w (σ(z) − y)</c>. Targets y lie in [0, 1].
/// </summary>
internal static class BinaryHead
{
    public static double Loss(ReadOnlySpan<float> output, float target, float weight, Span<float> dOutput)
    {
        double z = output[0];
        double loss = Math.Max(z, 0.0) - z * target + Math.Log(1.0 + PortableMath.Exp(-Math.Abs(z)));
        dOutput[0] = (float)(weight * (Sigmoid(z) - target));
        return weight * loss;
    }

    /// <summary>σ(z) without overflow for large |z|, the same bits on every CPU (<see cref="PortableMath"/>).</summary>
    public static double Sigmoid(double z) => PortableMath.Sigmoid(z);
}
