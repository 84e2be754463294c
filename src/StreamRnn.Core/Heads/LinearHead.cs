namespace StreamRnn.Core.Heads;

/// <summary>
/// Linear head trained with squared error: <c>ŷ = W_out h + b_out;  L = w · (ŷ − y)²;  ∂L/∂ŷ = 2w(ŷ − y)</c>.
/// The batch "mean" is the caller's: divide the weighted sum by the sum of weights.
/// </summary>
internal static class LinearHead
{
    public static double Loss(ReadOnlySpan<float> output, float target, float weight, Span<float> dOutput)
    {
        double error = (double)output[0] - target;
        dOutput[0] = (float)(2.0 * weight * error);
        return weight * error * error;
    }
}
