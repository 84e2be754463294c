namespace StreamRnn.Core;

/// <summary>
/// Forward inference for one shape: one key at a time, or a batch of keys in one matrix-matrix product per
/// weight block. Owns its scratch buffers (sized for <c>maxBatch</c>), so a step allocates nothing;
/// not thread-safe: one instance per thread.
/// </summary>
public sealed class RecurrentNetwork
{
    public RecurrentNetwork(ModelShape shape, int maxBatch) => throw new NotImplementedException();

    public ModelShape Shape => throw new NotImplementedException();
    public int MaxBatch => throw new NotImplementedException();

    /// <summary>
    /// Advances one key's <paramref name="state"/> (StateSize floats, in place) by <paramref name="input"/>
    /// (InputSize floats) and writes the head's raw output (HeadOutputSize floats).
    /// On a non-finite input or result the state is left unchanged and the output is NaN.
    /// </summary>
    public StepStatus Step(ModelWeights weights, ReadOnlySpan<float> input, Span<float> state, Span<float> headOutput)
        => throw new NotImplementedException();

    /// <summary>
    /// The same for <paramref name="batch"/> keys at once: row b of <paramref name="inputs"/> (B × InputSize),
    /// <paramref name="states"/> (B × StateSize, in place) and <paramref name="headOutputs"/> (B × HeadOutputSize).
    /// Equals <paramref name="batch"/> single steps. Writes each row's status; returns the number of rows not Ok.
    /// </summary>
    public int StepBatch(ModelWeights weights, ReadOnlySpan<float> inputs, Span<float> states, Span<float> headOutputs,
        Span<StepStatus> statuses, int batch) => throw new NotImplementedException();
}
