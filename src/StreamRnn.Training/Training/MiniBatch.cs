namespace StreamRnn.Daemon.Training;

/// <summary>
/// The windows of one shuffled mini-batch gathered side by side, in the layout
/// <see cref="Core.BatchedBackpropagationThroughTime"/> takes; allocated once for the largest batch.
/// </summary>
internal sealed class MiniBatch(int stateSize, int inputSize, int steps, int capacity)
{
    private readonly float[] startStates = new float[capacity * stateSize];
    private readonly float[] inputs = new float[capacity * steps * inputSize];
    private readonly float[] targets = new float[capacity * steps];
    private readonly float[] targetWeights = new float[capacity * steps];

    public ReadOnlySpan<float> StartStates(int count) => startStates.AsSpan(0, count * stateSize);

    public ReadOnlySpan<float> Inputs(int count) => inputs.AsSpan(0, count * steps * inputSize);

    public ReadOnlySpan<float> Targets(int count) => targets.AsSpan(0, count * steps);

    public ReadOnlySpan<float> TargetWeights(int count) => targetWeights.AsSpan(0, count * steps);

    /// <summary>Copies the windows <paramref name="order"/> names, in that order, into slots 0, 1, ….</summary>
    public void Gather(TrainingWindowSet windows, ReadOnlySpan<int> order)
    {
        for (int b = 0; b < order.Length; b++)
        {
            int w = order[b];
            windows.StartState(w).CopyTo(startStates.AsSpan(b * stateSize, stateSize));
            windows.Inputs(w).CopyTo(inputs.AsSpan(b * steps * inputSize, steps * inputSize));
            windows.Targets(w).CopyTo(targets.AsSpan(b * steps, steps));
            windows.TargetWeights(w).CopyTo(targetWeights.AsSpan(b * steps, steps));
        }
    }
}
