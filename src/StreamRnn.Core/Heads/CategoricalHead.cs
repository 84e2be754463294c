using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Heads;

/// <summary>
/// Categorical head: K logits z, class probabilities p = softmax(z), trained with cross-entropy against a class index y
/// (0..K−1, carried as a float target): <c>L = w · (log Σ_i e^(z_i) − z_y)</c>, the log-sum-exp taken around the largest
/// logit m (<c>m + log Σ_i e^(z_i − m)</c>) so no exponent overflows and log 0 is never formed;
/// <c>∂L/∂z_i = w (p_i − [i = y])</c>. Every exp and log is <see cref="PortableMath"/>'s, so the loss and gradient are
/// the same bits on every CPU. Allocation-free.
/// </summary>
internal static class CategoricalHead
{
    public static double Loss(ReadOnlySpan<float> output, float target, float weight, Span<float> dOutput)
    {
        int classes = output.Length;
        int y = (int)target;
        double max = Max(output);
        double sum = 0;
        for (int i = 0; i < classes; i++)
        {
            sum += PortableMath.Exp(output[i] - max);
        }

        double logSum = max + PortableMath.Log(sum);
        for (int i = 0; i < classes; i++)
        {
            double p = PortableMath.Exp(output[i] - logSum);
            dOutput[i] = (float)(weight * (i == y ? p - 1.0 : p));
        }

        return weight * (logSum - output[y]);
    }

    /// <summary>softmax(z) into <paramref name="probabilities"/>, stable for any finite logits; NaN everywhere if any logit is NaN.</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        double max = Max(logits);
        if (double.IsNaN(max))
        {
            probabilities[..logits.Length].Fill(float.NaN);
            return;
        }

        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            sum += PortableMath.Exp(logits[i] - max);
        }

        double logSum = max + PortableMath.Log(sum);
        for (int i = 0; i < logits.Length; i++)
        {
            probabilities[i] = (float)PortableMath.Exp(logits[i] - logSum);
        }
    }

    private static double Max(ReadOnlySpan<float> values)
    {
        double max = double.NegativeInfinity;
        foreach (float v in values)
        {
            if (float.IsNaN(v))
            {
                return double.NaN;
            }

            max = Math.Max(max, v);
        }

        return max;
    }
}
