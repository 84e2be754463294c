namespace StreamRnn.Daemon.Training;

/// <summary>
/// The training windows of one replay of a history, in the order the runtime completed them (so in event time), held
/// in flat arrays: window i's start state, k inputs, k targets and k target weights, laid out as in
/// <see cref="Engine.TrainingWindow"/>. Windows [0, <see cref="TrainingCount"/>) completed before the validation cut,
/// the rest after it.
/// </summary>
internal sealed class TrainingWindowSet
{
    private float[] startStates;
    private float[] inputs;
    private float[] targets;
    private float[] targetWeights;

    public TrainingWindowSet(int stateSize, int inputSize, int steps, int expected)
    {
        StateSize = stateSize;
        InputSize = inputSize;
        Steps = steps;
        int capacity = Math.Max(16, expected);
        startStates = new float[capacity * stateSize];
        inputs = new float[capacity * steps * inputSize];
        targets = new float[capacity * steps];
        targetWeights = new float[capacity * steps];
    }

    public int StateSize { get; }

    public int InputSize { get; }

    /// <summary>k, the steps of each window.</summary>
    public int Steps { get; }

    public int Count { get; private set; }

    /// <summary>Windows completed before the validation cut (the first ones).</summary>
    public int TrainingCount { get; set; }

    public int ValidationCount => Count - TrainingCount;

    public ReadOnlySpan<float> StartState(int window) => startStates.AsSpan(window * StateSize, StateSize);

    public ReadOnlySpan<float> Inputs(int window) => inputs.AsSpan(window * Steps * InputSize, Steps * InputSize);

    public ReadOnlySpan<float> Targets(int window) => targets.AsSpan(window * Steps, Steps);

    public ReadOnlySpan<float> TargetWeights(int window) => targetWeights.AsSpan(window * Steps, Steps);

    /// <summary>The start states of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> StartStates(int first, int count) => startStates.AsSpan(first * StateSize, count * StateSize);

    /// <summary>The inputs of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> Inputs(int first, int count) => inputs.AsSpan(first * Steps * InputSize, count * Steps * InputSize);

    /// <summary>The targets of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> Targets(int first, int count) => targets.AsSpan(first * Steps, count * Steps);

    /// <summary>The target weights of windows [first, first + count), contiguous.</summary>
    public ReadOnlySpan<float> TargetWeights(int first, int count) => targetWeights.AsSpan(first * Steps, count * Steps);

    /// <summary>Sum of the target weights of windows [first, first + count).</summary>
    public double WeightSum(int first, int count)
    {
        double sum = 0;
        foreach (float weight in targetWeights.AsSpan(first * Steps, count * Steps))
        {
            sum += weight;
        }

        return sum;
    }

    /// <summary>Copies one completed window in.</summary>
    public void Add(ReadOnlySpan<float> startState, ReadOnlySpan<float> windowInputs, ReadOnlySpan<float> windowTargets,
        ReadOnlySpan<float> windowWeights)
    {
        if (Count * Steps == targets.Length)
        {
            int capacity = Count * 2;
            Array.Resize(ref startStates, capacity * StateSize);
            Array.Resize(ref inputs, capacity * Steps * InputSize);
            Array.Resize(ref targets, capacity * Steps);
            Array.Resize(ref targetWeights, capacity * Steps);
        }

        startState.CopyTo(startStates.AsSpan(Count * StateSize, StateSize));
        windowInputs.CopyTo(inputs.AsSpan(Count * Steps * InputSize, Steps * InputSize));
        windowTargets.CopyTo(targets.AsSpan(Count * Steps, Steps));
        windowWeights.CopyTo(targetWeights.AsSpan(Count * Steps, Steps));
        Count++;
    }
}
