using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Heads;

/// <summary>
/// Gaussian head: outputs mean μ and raw log-variance s; the log-variance used is v = clamp(s, MinLogVariance, MaxLogVariance).
/// </summary>
/// <remarks>
/// Loss (Gaussian negative log-likelihood WITHOUT the constant ½·log 2π):
/// <c>L = w · ½ (v + (y − μ)² · e^(−v))</c>;
/// <c>∂L/∂μ = w (μ − y) e^(−v)</c>;  <c>∂L/∂s = w · ½ (1 − (y − μ)² e^(−v))</c> strictly inside the clamp range, 0 outside
/// (the clamp is part of the model, so its gradient is the clamp's).
/// </remarks>
internal static class GaussianHead
{
    public static float ClampLogVariance(float raw) => Math.Clamp(raw, HeadOutput.MinLogVariance, HeadOutput.MaxLogVariance);

    public static double Loss(ReadOnlySpan<float> output, float target, float weight, Span<float> dOutput)
    {
        float raw = output[1];
        double logVariance = ClampLogVariance(raw);
        double error = (double)output[0] - target;
        double precision = PortableMath.Exp(-logVariance);
        double scaled = error * error * precision;
        dOutput[0] = (float)(weight * error * precision);
        bool inside = raw > HeadOutput.MinLogVariance && raw < HeadOutput.MaxLogVariance;
        dOutput[1] = inside ? (float)(weight * 0.5 * (1.0 - scaled)) : 0f;
        return weight * 0.5 * (logVariance + scaled);
    }
}
