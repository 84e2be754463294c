namespace StreamRnn.Daemon.Training;

/// <summary>
/// The windows of one shuffled mini-batch gathered side by side, in the layout
/// <see cref="Core.BatchedBackpropagationThroughTime"/> takes; allocated once for the largest batch.
/// </summary>
internal sealed class MiniBatch(int stateSize, int inputSize, int steps, int capacity, int horizons = 1)
{
    private readonly float[] _startStates = new float[capacity * stateSize];
    private readonly float[] _inputs = new float[capacity * steps * inputSize];
    private readonly float[] _targets = new float[capacity * steps * horizons];
    private readonly float[] _targetWeights = new float[capacity * steps];

    public ReadOnlySpan<float> StartStates(int count) => _startStates.AsSpan(0, count * stateSize);

    public ReadOnlySpan<float> Inputs(int count) => _inputs.AsSpan(0, count * steps * inputSize);

    public ReadOnlySpan<float> Targets(int count) => _targets.AsSpan(0, count * steps * horizons);

    public ReadOnlySpan<float> TargetWeights(int count) => _targetWeights.AsSpan(0, count * steps);

    /// <summary>Copies the windows <paramref name="order"/> names, in that order, into slots 0, 1, ….</summary>
    public void Gather(TrainingWindowSet windows, ReadOnlySpan<int> order)
    {
        for (int b = 0; b < order.Length; b++)
        {
            int w = order[b];
            windows.StartState(w).CopyTo(_startStates.AsSpan(b * stateSize, stateSize));
            windows.Inputs(w).CopyTo(_inputs.AsSpan(b * steps * inputSize, steps * inputSize));
            windows.Targets(w).CopyTo(_targets.AsSpan(b * steps * horizons, steps * horizons));
            windows.TargetWeights(w).CopyTo(_targetWeights.AsSpan(b * steps, steps));
        }
    }
}
