using StreamRnn.Core.Heads;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core;

/// <summary>Turns a head's raw outputs into what users read.</summary>
public static class HeadOutput
{
    /// <summary>
    /// Lower end of the log-variance range of the Gaussian head. The head's second output is clamped to
    /// [<see cref="MinLogVariance"/>, <see cref="MaxLogVariance"/>] before use (in the step, the loss and here), so a
    /// standard deviation lies in [e^-5, e^5] ≈ [0.0067, 148] in normalised units and the NLL never divides by ~0.
    /// </summary>
    public const float MinLogVariance = -10f;

    /// <summary>Upper end of the log-variance range; see <see cref="MinLogVariance"/>.</summary>
    public const float MaxLogVariance = 10f;

    /// <summary>Gaussian head: standard deviation = exp(½ · log-variance), the log-variance clamped to its range first.</summary>
    public static float StandardDeviation(float logVariance) =>
        float.IsNaN(logVariance) ? float.NaN : (float)PortableMath.Exp(0.5 * GaussianHead.ClampLogVariance(logVariance));

    /// <summary>Binary head: probability = σ(logit), computed without overflow.</summary>
    public static float Probability(float logit) => float.IsNaN(logit) ? float.NaN : (float)BinaryHead.Sigmoid(logit);

    /// <summary>Categorical head: class probabilities = softmax(logits), stable and the same bits on every CPU; NaN if any logit is NaN.</summary>
    public static void Probabilities(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        if (probabilities.Length < logits.Length)
        {
            throw new ArgumentException($"probabilities holds {probabilities.Length} floats but there are {logits.Length} logits.", nameof(probabilities));
        }

        CategoricalHead.Softmax(logits, probabilities);
    }
}
