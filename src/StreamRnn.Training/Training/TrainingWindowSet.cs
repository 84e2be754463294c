namespace StreamRnn.Daemon.Training;

/// <summary>
/// The training windows of one replay of a history, in the order the runtime completed them (so in event time), held
/// in flat arrays: window i's start state, k inputs, k·K targets (K = <see cref="Horizons"/>, step t's at [t·K, (t+1)·K),
/// NaN = not known) and k target weights, laid out as in
/// <see cref="Engine.TrainingWindow"/>. Windows [0, <see cref="TrainingCount"/>) completed before the validation cut,
/// the rest after it.
/// </summary>
internal sealed class TrainingWindowSet
{
    private float[] _startStates;
    private float[] _inputs;
    private float[] _targets;
    private float[] _targetWeights;

    public TrainingWindowSet(int stateSize, int inputSize, int steps, int expected, int horizons = 1)
    {
        StateSize = stateSize;
        InputSize = inputSize;
        Steps = steps;
        Horizons = horizons;
        int capacity = Math.Max(16, expected);
        _startStates = new float[capacity * stateSize];
        _inputs = new float[capacity * steps * inputSize];
        _targets = new float[capacity * steps * horizons];
        _targetWeights = new float[capacity * steps];
    }

    public int StateSize { get; }

    public int InputSize { get; }

    /// <summary>k, the steps of each window.</summary>
    public int Steps { get; }

    /// <summary>K, the targets per step (Target:Horizons; 1 otherwise).</summary>
    public int Horizons { get; }

    public int Count { get; private set; }

    /// <summary>Windows completed before the validation cut (the first ones).</summary>
    public int TrainingCount { get; set; }

    public int ValidationCount => Count - TrainingCount;

    public ReadOnlySpan<float> StartState(int window) => _startStates.AsSpan(window * StateSize, StateSize);

    public ReadOnlySpan<float> Inputs(int window) => _inputs.AsSpan(window * Steps * InputSize, Steps * InputSize);

    public ReadOnlySpan<float> Targets(int window) => _targets.AsSpan(window * Steps * Horizons, Steps * Horizons);

    public ReadOnlySpan<float> TargetWeights(int window) => _targetWeights.AsSpan(window * Steps, Steps);

    /// <summary>The start states of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> StartStates(int first, int count) => _startStates.AsSpan(first * StateSize, count * StateSize);

    /// <summary>The inputs of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> Inputs(int first, int count) => _inputs.AsSpan(first * Steps * InputSize, count * Steps * InputSize);

    /// <summary>The targets of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> Targets(int first, int count) => _targets.AsSpan(first * Steps * Horizons, count * Steps * Horizons);

    /// <summary>The target weights of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> TargetWeights(int first, int count) => _targetWeights.AsSpan(first * Steps, count * Steps);

    /// <summary>Sum of the target weights of windows [first, first + count).</summary>
    public double WeightSum(int first, int count)
    {
        double sum = 0;
        foreach (float weight in _targetWeights.AsSpan(first * Steps, count * Steps))
        {
            sum += weight;
        }

        return sum;
    }

    /// <summary>Copies one completed window in.</summary>
    public void Add(ReadOnlySpan<float> startState, ReadOnlySpan<float> windowInputs, ReadOnlySpan<float> windowTargets,
        ReadOnlySpan<float> windowWeights)
    {
        if (Count * Steps * Horizons == _targets.Length)
        {
            int capacity = Count * 2;
            Array.Resize(ref _startStates, capacity * StateSize);
            Array.Resize(ref _inputs, capacity * Steps * InputSize);
            Array.Resize(ref _targets, capacity * Steps * Horizons);
            Array.Resize(ref _targetWeights, capacity * Steps);
        }

        startState.CopyTo(_startStates.AsSpan(Count * StateSize, StateSize));
        windowInputs.CopyTo(_inputs.AsSpan(Count * Steps * InputSize, Steps * InputSize));
        windowTargets.CopyTo(_targets.AsSpan(Count * Steps * Horizons, Steps * Horizons));
        windowWeights.CopyTo(_targetWeights.AsSpan(Count * Steps, Steps));
        Count++;
    }
}
