namespace StreamRnn.Core;

/// <summary>Gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>Scales <paramref name="gradient"/> so its L2 norm is at most <paramref name="maxNorm"/>; returns the norm before clipping (NaN if any value is not finite, in which case nothing is scaled).</summary>
    public static float ClipByGlobalNorm(Span<float> gradient, float maxNorm) => throw new NotImplementedException();
}
