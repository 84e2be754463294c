using System.Numerics.Tensors;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core;

/// <summary>Gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>Scales <paramref name="gradient"/> so its L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping (NaN if any value is not finite, in which case nothing is scaled).</summary>
    /// <remarks>
    /// <c>‖g‖ = √Σ gᵢ²;  if ‖g‖ &gt; maxNorm: g = g · maxNorm / ‖g‖</c>. The sum of squares is taken in double in one
    /// fixed order (<see cref="FixedOrderSum"/>), so the norm, and the clipped gradient, are the same on every CPU.
    /// A NaN result tells the caller to discard the update.
    /// </remarks>
    public static float ClipByGlobalNorm(Span<float> gradient, float maxNorm)
    {
        if (!(maxNorm > 0f) || float.IsNaN(maxNorm))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive.");
        }

        double norm = Math.Sqrt(FixedOrderSum.SumOfSquares(gradient));
        if (!double.IsFinite(norm))
        {
            return float.NaN;
        }

        if (norm > maxNorm)
        {
            TensorPrimitives.Multiply(gradient, (float)(maxNorm / norm), gradient);
        }

        return (float)norm;
    }
}
