using StreamRnn.Core;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.State;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// Assembles each key's training window step by step in its state slot and hands every completed window to the
/// trainer (Training:Enabled only; without a trainer a completed window is discarded).
/// </summary>
internal sealed class TrainingWindowAssembler(KeyStateStore store, ModelShape shape, int windowSteps, int[] horizons, string pipeline)
{
    private readonly KeyStateStore _store = store;
    private readonly ModelShape _shape = shape;
    private readonly int _windowSteps = windowSteps;
    private readonly int _horizon = horizons[0];
    private readonly int[] _horizons = horizons;
    private readonly int _stateSize = shape.StateSize;
    private readonly int _inputSize = shape.InputSize;
    private OnlineTrainer? _trainer;

    /// <summary>False when the pipeline does not train (no window is assembled).</summary>
    public bool Enabled => _windowSteps > 0;

    /// <summary>Training windows completed (handed to the trainer or discarded).</summary>
    public long WindowsCompleted { get; private set; }

    public OnlineTrainer? Trainer
    {
        get => _trainer;
        set
        {
            if (value is not null && (_windowSteps == 0 || value.Pool.StateSize != _stateSize
                || value.Pool.InputSize != _inputSize || value.Pool.Steps != _windowSteps || value.Pool.Horizons != _horizons.Length))
            {
                throw new ArgumentException(
                    $"The trainer's windows ({value.Pool.StateSize} state floats, {value.Pool.InputSize} inputs, {value.Pool.Steps} steps) " +
                    $"do not fit pipeline '{pipeline}' ({_stateSize}, {_inputSize}, {_windowSteps} with Training:Enabled = {_windowSteps > 0}).",
                    nameof(value));
            }

            _trainer = value;
        }
    }

    /// <summary>
    /// Adds a step to its key's training window. Window layout (floats): start state (S), inputs (k × I),
    /// targets (k), weights (k); doubles: μ_t, σ_t of the target at each step. The target of step j is
    /// y_{j+h}, standardised with the statistics of step j (those its prediction was de-normalised with),
    /// <c>z = clamp((y − μ_j) / σ_j, ±10)</c> (raw 0/1 for a Binary head, the class index for a Categorical one), weight 1; it arrives h steps later, so
    /// the last h steps of a window have weight 0 (targets arriving after the window is handed over are not
    /// used). Call before the key's state is overwritten by the step: a new window starts from the state before it.
    /// A failed step drops the partial window (the poison policy resets the fill).
    /// </summary>
    public void Assemble(int slot, ReadOnlySpan<float> stepInputs, in EncodedTarget target) => Assemble(slot, stepInputs, target, []);

    /// <summary>
    /// As above; with Target:Horizons (K horizons, <paramref name="horizonTargets"/> from the encoder) a window carries k × K
    /// targets, step j's at [j·K, (j+1)·K): horizon k's is y_k of step j + h_k standardised with horizon k's statistics of
    /// step j, and NaN ("unknown": no loss) until it arrives inside the window; a step's weight is 1 once any of its
    /// horizons is known. Design: windows are not delayed until every horizon is known (the longest would hold back
    /// h_K steps of each window); each horizon trains on the steps whose target arrived inside the window.
    /// </summary>
    public void Assemble(int slot, ReadOnlySpan<float> stepInputs, in EncodedTarget target, ReadOnlySpan<double> horizonTargets)
    {
        if (!horizonTargets.IsEmpty)
        {
            AssembleHorizons(slot, stepInputs, horizonTargets);
            return;
        }

        int k = _windowSteps, s = _stateSize, n = _inputSize;
        var floats = _store.WindowFloatsOf(slot);
        var scales = _store.WindowDoublesOf(slot);
        var inputs = floats.Slice(s, k * n);
        var targets = floats.Slice(s + k * n, k);
        var weights = floats.Slice(s + k * n + k, k);
        int fill = _store.WindowFill[slot];
        if (fill == 0)
        {
            _store.State(slot).CopyTo(floats[..s]);
            targets.Clear();
            weights.Clear();
        }

        stepInputs.CopyTo(inputs.Slice(fill * n, n));
        scales[2 * fill] = target.Mean;
        scales[2 * fill + 1] = target.StandardDeviation;
        int j = fill - _horizon;
        if (j >= 0 && double.IsFinite(target.Value))
        {
            double z = _shape.Head == HeadKind.Categorical ? target.Class
                : _shape.Head == HeadKind.Binary ? target.Value
                : Math.Clamp((target.Value - scales[2 * j]) / scales[2 * j + 1], -RunningStatistics.ZLimit, RunningStatistics.ZLimit);
            targets[j] = (float)z;
            weights[j] = 1;
        }

        _store.WindowFill[slot] = Advance(fill, k, floats[..s], inputs, targets, weights);
    }

    private void AssembleHorizons(int slot, ReadOnlySpan<float> stepInputs, ReadOnlySpan<double> horizonTargets)
    {
        int k = _windowSteps, s = _stateSize, n = _inputSize, horizons = _horizons.Length;
        var floats = _store.WindowFloatsOf(slot);
        var scales = _store.WindowDoublesOf(slot);
        var inputs = floats.Slice(s, k * n);
        var targets = floats.Slice(s + k * n, k * horizons);
        var weights = floats.Slice(s + k * n + k * horizons, k);
        int fill = _store.WindowFill[slot];
        if (fill == 0)
        {
            _store.State(slot).CopyTo(floats[..s]);
            targets.Fill(float.NaN);
            weights.Clear();
        }

        stepInputs.CopyTo(inputs.Slice(fill * n, n));
        for (int h = 0; h < horizons; h++)
        {
            scales[2 * (fill * horizons + h)] = horizonTargets[3 * h + 1];
            scales[2 * (fill * horizons + h) + 1] = horizonTargets[3 * h + 2];
            int j = fill - _horizons[h];
            double y = horizonTargets[3 * h];
            if (j < 0 || !double.IsFinite(y))
            {
                continue;
            }

            double mean = scales[2 * (j * horizons + h)], deviation = scales[2 * (j * horizons + h) + 1];
            if (double.IsFinite(mean) && double.IsFinite(deviation))
            {
                targets[j * horizons + h] = (float)Math.Clamp((y - mean) / deviation, -RunningStatistics.ZLimit, RunningStatistics.ZLimit);
                weights[j] = 1;
            }
        }

        _store.WindowFill[slot] = Advance(fill, k, floats[..s], inputs, targets, weights);
    }

    /// <summary>
    /// The step's fill count after this step: a full window (k steps) goes to the trainer, if any, and the count
    /// starts again at 0.
    /// </summary>
    private int Advance(int fill, int k, Span<float> startState, Span<float> inputs, Span<float> targets, Span<float> weights)
    {
        if (++fill < k)
        {
            return fill;
        }

        WindowsCompleted++;
        var trainer = _trainer;
        if (trainer is not null)
        {
            var window = trainer.Pool.Rent();
            startState.CopyTo(window.StartState);
            inputs.CopyTo(window.Inputs);
            targets.CopyTo(window.Targets);
            weights.CopyTo(window.TargetWeights);
            trainer.Submit(window);
        }

        return 0;
    }
}
