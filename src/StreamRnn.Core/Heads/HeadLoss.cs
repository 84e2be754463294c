namespace StreamRnn.Core.Heads;

/// <summary>
/// The loss of one step's head output against its K targets (K = <see cref="ModelShape.Horizons"/>), shared by both BPTT
/// forms so they score identically. K = 1 is the head's own loss on the one target (the same bits as before horizons
/// existed). K &gt; 1 (Linear and Gaussian only): <c>L = Σ_k L_k</c>, each horizon's loss on its own outputs (Linear
/// output k; Gaussian μ_k = output k, s_k = output K + k), summed in k order in double; a NaN target for horizon k means
/// "unknown": no loss and a zero gradient on that horizon's outputs. Allocation-free.
/// </summary>
internal static class HeadLoss
{
    public static double Compute(HeadKind head, int horizons, ReadOnlySpan<float> output, ReadOnlySpan<float> targets, float weight,
        Span<float> dOutput)
    {
        if (horizons == 1)
        {
            float target = targets[0];
            return head switch
            {
                HeadKind.Linear => LinearHead.Loss(output, target, weight, dOutput),
                HeadKind.Gaussian => GaussianHead.Loss(output, target, weight, dOutput),
                HeadKind.Categorical => CategoricalHead.Loss(output, target, weight, dOutput),
                _ => BinaryHead.Loss(output, target, weight, dOutput),
            };
        }

        double loss = 0;
        if (head == HeadKind.Gaussian)
        {
            Span<float> pair = stackalloc float[2];
            Span<float> dPair = stackalloc float[2];
            for (int k = 0; k < horizons; k++)
            {
                float y = targets[k];
                if (float.IsNaN(y))
                {
                    dOutput[k] = 0;
                    dOutput[horizons + k] = 0;
                    continue;
                }

                pair[0] = output[k];
                pair[1] = output[horizons + k];
                loss += GaussianHead.Loss(pair, y, weight, dPair);
                dOutput[k] = dPair[0];
                dOutput[horizons + k] = dPair[1];
            }

            return loss;
        }

        for (int k = 0; k < horizons; k++)
        {
            float y = targets[k];
            if (float.IsNaN(y))
            {
                dOutput[k] = 0;
                continue;
            }

            loss += LinearHead.Loss(output.Slice(k, 1), y, weight, dOutput.Slice(k, 1));
        }

        return loss;
    }
}
