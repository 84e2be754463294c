using StreamRnn.Core.Cells;
using StreamRnn.Core.Heads;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core;

/// <summary>
/// Forward inference for one shape: one key at a time, or a batch of keys in one matrix-matrix product per
/// weight block. Owns its scratch buffers (sized for <c>maxBatch</c>), so a step allocates nothing;
/// not thread-safe: one instance per thread.
/// </summary>
/// <remarks>
/// <para>
/// Determinism: <see cref="StepBatch"/> is bit-identical to <c>batch</c> calls of <see cref="Step"/>, whatever the
/// batch size or a key's row in it (see <see cref="PackedGemm"/> and <see cref="DotProduct"/>: every element is one
/// fixed sequence of fused multiply-adds; the elementwise parts run row by row, σ and tanh through <c>Activations</c>, whose result depends on
/// the value only). State restored after a crash and re-batched differently therefore evolves exactly as it would
/// have. This holds within a process (and across processes on the same kind of CPU); with and without FMA hardware
/// the roundings differ.
/// </para>
/// <para>
/// Head output (plus the highway <c>W_hw·x[I−A..I)</c> when <see cref="ModelShape.HighwayInputs"/> A &gt; 0, added
/// after the recurrent part by the same fixed-order dot product): Linear → [ŷ]; Gaussian → [μ, v] with the log-variance v already clamped to
/// [<see cref="HeadOutput.MinLogVariance"/>, <see cref="HeadOutput.MaxLogVariance"/>]; Binary → [logit]. With
/// <see cref="ModelShape.Horizons"/> K &gt; 1: Linear → [ŷ_1..ŷ_K], Gaussian → [μ_1..μ_K, v_1..v_K].
/// </para>
/// <para>
/// Non-finite policy: a key whose input row holds NaN or ±Inf keeps its state unchanged, gets NaN head outputs and
/// status <see cref="StepStatus.NonFiniteInput"/>. A key whose new state (any layer, h or c) or head output is not
/// finite keeps its state unchanged, gets NaN head outputs and <see cref="StepStatus.NonFiniteResult"/>. Other keys
/// of the batch are unaffected either way (rows never mix). <see cref="ModelWeights"/> never holds non-finite
/// parameters, and training rejects non-finite inputs (see <see cref="BackpropagationThroughTime"/>).
/// </para>
/// </remarks>
public sealed unsafe class RecurrentNetwork
{
    private readonly float[] _newStates;
    private readonly float[] _gates;
    private readonly float[] _auxiliary;
    private readonly float[] _heads;
    private readonly int _gateStride;
    private readonly int _headStride;

    // Flipped every call: consecutive steps sweep the packed weights in opposite panel orders (see PackedGemm).
    private bool _fromLastPanel;

    public RecurrentNetwork(ModelShape shape, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        Shape = shape;
        MaxBatch = maxBatch;
        int hidden = shape.HiddenSize;
        _gateStride = RoundUpToPanel(shape.Cell == CellKind.Gru ? 2 * hidden : shape.GateCount * hidden)
            + (shape.Cell == CellKind.Gru ? 2 * RoundUpToPanel(hidden) : 0);
        _headStride = shape.HeadOutputSize;
        _newStates = GC.AllocateArray<float>(maxBatch * shape.StateSize, pinned: true);
        _gates = GC.AllocateArray<float>(maxBatch * _gateStride, pinned: true);
        _auxiliary = GC.AllocateArray<float>(maxBatch * hidden, pinned: true);
        _heads = GC.AllocateArray<float>(maxBatch * _headStride, pinned: true);
    }

    public ModelShape Shape { get; }

    public int MaxBatch { get; }

    /// <summary>
    /// Advances one key's <paramref name="state"/> (StateSize floats, in place) by <paramref name="input"/>
    /// (InputSize floats) and writes the head's raw output (HeadOutputSize floats).
    /// On a non-finite input or result the state is left unchanged and the output is NaN.
    /// </summary>
    public StepStatus Step(ModelWeights weights, ReadOnlySpan<float> input, Span<float> state, Span<float> headOutput)
    {
        Span<StepStatus> status = stackalloc StepStatus[1];
        Validate(weights, input, state, headOutput, status, 1);
        Run(weights, input, state, headOutput, status, 1);
        return status[0];
    }

    /// <summary>
    /// The same for <paramref name="batch"/> keys at once: row b of <paramref name="inputs"/> (B × InputSize),
    /// <paramref name="states"/> (B × StateSize, in place) and <paramref name="headOutputs"/> (B × HeadOutputSize).
    /// Equals <paramref name="batch"/> single steps. Writes each row's status; returns the number of rows not Ok.
    /// </summary>
    public int StepBatch(ModelWeights weights, ReadOnlySpan<float> inputs, Span<float> states, Span<float> headOutputs,
        Span<StepStatus> statuses, int batch)
    {
        Validate(weights, inputs, states, headOutputs, statuses, batch);
        return batch == 0 ? 0 : Run(weights, inputs, states, headOutputs, statuses, batch);
    }

    private static int RoundUpToPanel(int columns) =>
        (columns + PackedMatrix.PanelWidth - 1) / PackedMatrix.PanelWidth * PackedMatrix.PanelWidth;

    private void Validate(ModelWeights weights, ReadOnlySpan<float> inputs, Span<float> states, Span<float> headOutputs,
        Span<StepStatus> statuses, int batch)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Shape != Shape)
        {
            throw new ArgumentException($"The weights are for {weights.Shape} but this network runs {Shape}.", nameof(weights));
        }

        if (batch < 0 || batch > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Batch must be in 0..{MaxBatch}.");
        }

        CheckLength(inputs.Length, batch * Shape.InputSize, nameof(inputs));
        CheckLength(states.Length, batch * Shape.StateSize, nameof(states));
        CheckLength(headOutputs.Length, batch * Shape.HeadOutputSize, nameof(headOutputs));
        CheckLength(statuses.Length, batch, nameof(statuses));
    }

    private static void CheckLength(int actual, int needed, string name)
    {
        if (actual < needed)
        {
            throw new ArgumentException($"{name} holds {actual} elements but {needed} are needed.", name);
        }
    }

    private int Run(ModelWeights weights, ReadOnlySpan<float> inputs, Span<float> states, Span<float> headOutputs,
        Span<StepStatus> statuses, int batch)
    {
        var shape = Shape;
        int inputSize = shape.InputSize;
        int stateSize = shape.StateSize;
        int layerState = shape.LayerStateSize;
        int hidden = shape.HiddenSize;
        int outputs = shape.HeadOutputSize;

        for (int b = 0; b < batch; b++)
        {
            statuses[b] = FiniteCheck.AllFinite(inputs.Slice(b * inputSize, inputSize)) ? StepStatus.Ok : StepStatus.NonFiniteInput;
        }

        _fromLastPanel = !_fromLastPanel;
        fixed (float* input = inputs)
        fixed (float* state = states)
        fixed (float* next = _newStates)
        fixed (float* gate = _gates)
        fixed (float* aux = _auxiliary)
        fixed (float* head = _heads)
        {
            for (int l = 0; l < shape.Layers; l++)
            {
                var w = weights.PackedLayers[l];
                float* x = l == 0 ? input : next + (l - 1) * layerState;
                int ldx = l == 0 ? inputSize : stateSize;
                float* previous = state + l * layerState;
                float* updated = next + l * layerState;
                switch (shape.Cell)
                {
                    case CellKind.Rnn:
                        RnnCell.Forward(w, x, ldx, previous, stateSize, batch, gate, _gateStride, updated, stateSize, _fromLastPanel);
                        break;
                    case CellKind.Lstm:
                        LstmCell.Forward(w, x, ldx, previous, stateSize, batch, gate, _gateStride, updated, stateSize, aux, hidden, _fromLastPanel);
                        break;
                    default:
                        GruCell.Forward(w, x, ldx, previous, stateSize, batch, gate, _gateStride, updated, stateSize, aux, hidden, _fromLastPanel);
                        break;
                }
            }

            fixed (float* parameters = weights.Parameters)
            {
                float* wOut = parameters + shape.HeadParameterOffset;
                float* bOut = wOut + outputs * hidden;
                float* top = next + (shape.Layers - 1) * layerState;
                int highway = shape.HighwayInputs;
                float* wHw = parameters + shape.HighwayParameterOffset;
                for (int b = 0; b < batch; b++)
                {
                    for (int o = 0; o < outputs; o++)
                    {
                        float value = DotProduct.Affine(wOut + o * hidden, top + (nint)b * stateSize, hidden, bOut[o]);
                        head[b * _headStride + o] = highway == 0 ? value
                            : DotProduct.Affine(wHw + o * highway, input + (nint)b * inputSize + (inputSize - highway), highway, value);
                    }
                }
            }
        }

        int notOk = 0;
        bool gaussian = shape.Head == HeadKind.Gaussian;
        for (int b = 0; b < batch; b++)
        {
            var headRow = _heads.AsSpan(b * _headStride, outputs);
            if (gaussian)
            {
                for (int k = shape.Horizons; k < outputs; k++)
                {
                    headRow[k] = GaussianHead.ClampLogVariance(headRow[k]);
                }
            }

            var newState = _newStates.AsSpan(b * stateSize, stateSize);
            if (statuses[b] == StepStatus.Ok && !(FiniteCheck.AllFinite(newState) && FiniteCheck.AllFinite(headRow)))
            {
                statuses[b] = StepStatus.NonFiniteResult;
            }

            var output = headOutputs.Slice(b * outputs, outputs);
            if (statuses[b] == StepStatus.Ok)
            {
                newState.CopyTo(states.Slice(b * stateSize, stateSize));
                headRow.CopyTo(output);
            }
            else
            {
                output.Fill(float.NaN);
                notOk++;
            }
        }

        return notOk;
    }
}
