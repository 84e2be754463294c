namespace StreamRnn.Engine.Training;

/// <summary>
/// One key's completed training window: the recurrent state at the window's start, the window's k inputs and
/// the targets that arrived h steps after each of them. Rented from a <see cref="TrainingWindowPool"/>, filled by
/// the runtime, handed to the trainer through a <see cref="WindowQueue"/> and returned to the pool by whoever
/// consumes or drops it, so the steady state allocates nothing.
/// </summary>
/// <remarks>
/// Layout: StartState has StateSize floats (per layer h, then c for LSTM); Inputs has k × InputSize floats, step t
/// at [t·I, (t+1)·I); Targets[t] is the target of step t's forecast and TargetWeights[t] its weight in the loss
/// (0 = no target for that step, e.g. it has not arrived or was missing).
/// </remarks>
public sealed class TrainingWindow
{
    private readonly float[] _startState;
    private readonly float[] _inputs;
    private readonly float[] _targets;
    private readonly float[] _targetWeights;

    internal TrainingWindow(TrainingWindowPool? owner, int stateSize, int inputSize, int steps, int horizons = 1)
    {
        Owner = owner;
        StateSize = stateSize;
        InputSize = inputSize;
        Steps = steps;
        Horizons = horizons;
        _startState = new float[stateSize];
        _inputs = new float[steps * inputSize];
        _targets = new float[steps * horizons];
        _targetWeights = new float[steps];
    }

    /// <summary>Floats of recurrent state (all layers).</summary>
    public int StateSize { get; }

    /// <summary>Network inputs per step.</summary>
    public int InputSize { get; }

    /// <summary>k, the steps in the window.</summary>
    public int Steps { get; }

    /// <summary>K, the targets per step (Target:Horizons; 1 otherwise): step t's at [t·K, (t+1)·K), NaN = not known.</summary>
    public int Horizons { get; }

    /// <summary>
    /// Position in its trainer's arrival order (1, 2, …), assigned when it is queued; windows flow through the
    /// trainer in this order, which is what lets one number say which windows are trained (see <see cref="WindowJournal"/>).
    /// </summary>
    public long Sequence { get; internal set; }

    public Span<float> StartState => _startState;
    public Span<float> Inputs => _inputs;
    public Span<float> Targets => _targets;
    public Span<float> TargetWeights => _targetWeights;

    /// <summary>The pool this window returns to; null for a window made without one.</summary>
    internal TrainingWindowPool? Owner { get; }

    /// <summary>True while idle in the pool; guarded by the pool's lock, it turns a double return into an error.</summary>
    internal bool Pooled { get; set; }

    /// <summary>Sum of the target weights: how much this window counts in a loss average.</summary>
    public float WeightSum()
    {
        float sum = 0;
        foreach (float weight in _targetWeights)
        {
            sum += weight;
        }

        return sum;
    }

    /// <summary>Zeroes every array, so a reused window carries nothing of its previous key.</summary>
    public void Clear()
    {
        Array.Clear(_startState);
        Array.Clear(_inputs);
        Array.Clear(_targets);
        Array.Clear(_targetWeights);
    }

    /// <summary>Gives the window back to its pool (if it has one); the caller must not touch it afterwards.</summary>
    public void Return() => Owner?.Return(this);
}
