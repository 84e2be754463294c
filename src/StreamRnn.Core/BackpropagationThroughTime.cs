namespace StreamRnn.Core;

/// <summary>
/// Truncated backpropagation through time over a window of up to <c>maxSteps</c> steps from a stored start
/// state. Gradients do not flow into the start state (the truncation boundary). Owns its buffers; not thread-safe.
/// </summary>
public sealed class BackpropagationThroughTime
{
    public BackpropagationThroughTime(ModelShape shape, int maxSteps) => throw new NotImplementedException();

    /// <summary>
    /// Runs the window forward from <paramref name="startState"/> over <paramref name="inputs"/> (k × InputSize),
    /// scores step t's head output against <paramref name="targets"/>[t] with weight <paramref name="targetWeights"/>[t]
    /// (0 = no target at that step) using the head's loss (MSE, Gaussian NLL or BCE), backpropagates, and ADDS the
    /// gradient of the weighted-sum loss to <paramref name="gradient"/> (ParameterCount floats).
    /// Returns the weighted-sum loss and writes the sum of weights to <paramref name="weightSum"/>.
    /// </summary>
    public double Accumulate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, Span<float> gradient, out double weightSum)
        => throw new NotImplementedException();

    /// <summary>Loss only (no gradient), for validation of a candidate on held-back windows.</summary>
    public double Evaluate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, out double weightSum)
        => throw new NotImplementedException();
}
