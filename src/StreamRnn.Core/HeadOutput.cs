namespace StreamRnn.Core;

/// <summary>Turns a head's raw outputs into what users read.</summary>
public static class HeadOutput
{
    /// <summary>Gaussian head: standard deviation = exp(½ · log-variance).</summary>
    public static float StandardDeviation(float logVariance) => throw new NotImplementedException();

    /// <summary>Binary head: probability = σ(logit).</summary>
    public static float Probability(float logit) => throw new NotImplementedException();
}
