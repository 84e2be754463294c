using System.Numerics.Tensors;
using StreamRnn.Core.Cells;
using StreamRnn.Core.Heads;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core;

/// <summary>
/// Truncated backpropagation through time over a window of up to <c>maxSteps</c> steps from a stored start
/// state. Gradients do not flow into the start state (the truncation boundary). Owns its buffers; not thread-safe.
/// </summary>
/// <remarks>
/// <para>
/// The forward pass runs the same code as <see cref="RecurrentNetwork.Step"/> (the packed kernel with one row), so the
/// head outputs scored here are bit-identical to those the inference path produces from the same state and inputs.
/// </para>
/// <para>
/// Loss per step t with weight w_t (see the heads): Linear <c>w (ŷ − y)²</c>; Gaussian <c>w ½ (v + (y − μ)² e^(−v))</c>
/// without the ½ log 2π constant, v the clamped log-variance; Binary <c>w · BCE(σ(z), y)</c> computed from the logit.
/// The total is Σ_t w_t L_t; divide by the returned weight sum for a mean.
/// </para>
/// <para>
/// Inputs are checked: a non-finite input or start-state value, a negative or non-finite weight, or a non-finite
/// target at a step with a positive weight throws <see cref="ArgumentException"/> (the engine never sends them).
/// Targets at zero-weight steps are ignored and may be NaN. If the weights themselves drive the loss to a
/// non-finite value, the result (and possibly the gradient) is non-finite; <see cref="GradientClipping"/> then
/// reports NaN so the caller can discard the update.
/// </para>
/// </remarks>
public sealed unsafe class BackpropagationThroughTime
{

    private readonly ModelShape _shape;
    private readonly int _headStride; // at least 2 (Gaussian), K for a Categorical head
    private readonly int _maxSteps;
    private readonly int _gateStride;
    private readonly int _recordStride;
    private readonly float[] _records;
    private readonly float[] _headOutputs;
    private readonly float[] _headGradients;
    private readonly float[] _dh;
    private readonly float[] _dc;
    private readonly float[] _dhPrev;
    private readonly float[] _dAih;
    private readonly float[] _dAhh;

    public BackpropagationThroughTime(ModelShape shape, int maxSteps)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        _shape = shape;
        _headStride = Math.Max(2, shape.HeadOutputSize);
        _maxSteps = maxSteps;
        int hidden = shape.HiddenSize;
        int panel = PackedMatrix.PanelWidth;
        int Round(int n) => (n + panel - 1) / panel * panel;
        _gateStride = shape.Cell == CellKind.Gru ? Round(2 * hidden) + 2 * Round(hidden) : Round(shape.GateCount * hidden);

        // One record per (step, layer): [gates | new layer state (h, c) | auxiliary (tanh c' or GRU scratch)].
        _recordStride = _gateStride + shape.LayerStateSize + hidden;
        _records = GC.AllocateArray<float>(maxSteps * shape.Layers * _recordStride, pinned: true);
        _headOutputs = GC.AllocateArray<float>(maxSteps * _headStride, pinned: true);
        _headGradients = new float[maxSteps * shape.HeadOutputSize];
        _dh = new float[shape.Layers * hidden];
        _dc = new float[shape.Layers * hidden];
        _dhPrev = new float[hidden];
        _dAih = new float[shape.GateCount * hidden];
        _dAhh = new float[shape.GateCount * hidden];
    }

    /// <summary>The shape this instance trains.</summary>
    public ModelShape Shape => _shape;

    /// <summary>The longest window accepted.</summary>
    public int MaxSteps => _maxSteps;

    /// <summary>
    /// Runs the window forward from <paramref name="startState"/> over <paramref name="inputs"/> (k × InputSize),
    /// scores step t's head output against <paramref name="targets"/>[t] with weight <paramref name="targetWeights"/>[t]
    /// (0 = no target at that step; with <see cref="ModelShape.Horizons"/> K &gt; 1, targets holds k × K floats, step t's
    /// at [t·K, (t+1)·K), a NaN one meaning "unknown": no loss, no gradient) using the head's loss (MSE, Gaussian NLL or BCE), backpropagates, and ADDS the
    /// gradient of the weighted-sum loss to <paramref name="gradient"/> (ParameterCount floats).
    /// Returns the weighted-sum loss and writes the sum of weights to <paramref name="weightSum"/>.
    /// </summary>
    public double Accumulate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, Span<float> gradient, out double weightSum)
    {
        int steps = Validate(weights, startState, inputs, targets, targetWeights, out weightSum);
        if (gradient.Length != _shape.ParameterCount)
        {
            throw new ArgumentException($"gradient holds {gradient.Length} floats but the shape has {_shape.ParameterCount} parameters.", nameof(gradient));
        }

        double loss = Forward(weights, startState, inputs, targets, targetWeights, steps, withGradient: true);
        Backward(weights, startState, inputs, targetWeights, steps, gradient);
        return loss;
    }

    /// <summary>Loss only (no gradient), for validation of a candidate on held-back windows.</summary>
    public double Evaluate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, out double weightSum)
    {
        int steps = Validate(weights, startState, inputs, targets, targetWeights, out weightSum);
        return Forward(weights, startState, inputs, targets, targetWeights, steps, withGradient: false);
    }

    /// <summary>
    /// The head's first raw output (a Binary head's logit, a Linear head's value, a Gaussian head's mean) at step
    /// <paramref name="step"/> of the last <see cref="Accumulate"/> or <see cref="Evaluate"/>, weighted or not.
    /// </summary>
    public float LastOutput(int step) => _headOutputs[step * _headStride];

    private int Validate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, out double weightSum)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Shape != _shape)
        {
            throw new ArgumentException($"The weights are for {weights.Shape} but this trainer runs {_shape}.", nameof(weights));
        }

        int horizons = _shape.Horizons;
        if (targets.Length % horizons != 0)
        {
            throw new ArgumentException($"targets holds {targets.Length} floats, not a multiple of the {horizons} horizons.", nameof(targets));
        }

        int steps = targets.Length / horizons;
        if (steps < 1 || steps > _maxSteps)
        {
            throw new ArgumentException($"The window has {steps} steps; 1..{_maxSteps} are accepted.", nameof(targets));
        }

        if (inputs.Length != steps * _shape.InputSize)
        {
            throw new ArgumentException($"inputs holds {inputs.Length} floats but {steps} steps × {_shape.InputSize} are needed.", nameof(inputs));
        }

        if (targetWeights.Length != steps)
        {
            throw new ArgumentException($"targetWeights holds {targetWeights.Length} floats but the window has {steps} steps.", nameof(targetWeights));
        }

        if (startState.Length != _shape.StateSize)
        {
            throw new ArgumentException($"startState holds {startState.Length} floats but StateSize is {_shape.StateSize}.", nameof(startState));
        }

        int bad = FiniteCheck.IndexOfNonFinite(inputs);
        if (bad >= 0)
        {
            throw new ArgumentException($"Input {bad} (step {bad / _shape.InputSize}) is not finite ({inputs[bad]}).", nameof(inputs));
        }

        bad = FiniteCheck.IndexOfNonFinite(startState);
        if (bad >= 0)
        {
            throw new ArgumentException($"Start state value {bad} is not finite ({startState[bad]}).", nameof(startState));
        }

        weightSum = 0;
        for (int t = 0; t < steps; t++)
        {
            float w = targetWeights[t];
            if (!float.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Target weight at step {t} must be finite and non-negative, not {w}.", nameof(targetWeights));
            }

            if (w > 0 && horizons > 1)
            {
                // K targets per step: NaN = not known (no loss); anything else must be finite.
                for (int k = 0; k < horizons; k++)
                {
                    float yk = targets[t * horizons + k];
                    if (float.IsInfinity(yk))
                    {
                        throw new ArgumentException($"Target at step {t}, horizon {k} is not finite ({yk}).", nameof(targets));
                    }
                }

                weightSum += w;
            }
            else if (w > 0)
            {
                float y = targets[t];
                if (!float.IsFinite(y))
                {
                    throw new ArgumentException($"Target at step {t} is not finite ({y}).", nameof(targets));
                }

                if (_shape.Head == HeadKind.Binary && y is < 0f or > 1f)
                {
                    throw new ArgumentException($"Binary target at step {t} must lie in [0, 1], not {y}.", nameof(targets));
                }

                if (_shape.Head == HeadKind.Categorical && !IsClassIndex(y, _shape.Classes))
                {
                    throw new ArgumentException($"Categorical target at step {t} must be a class index 0..{_shape.Classes - 1}, not {y}.", nameof(targets));
                }

                weightSum += w;
            }
        }

        return steps;
    }

    /// <summary>True when <paramref name="y"/> is a whole number in 0..classes−1.</summary>
    internal static bool IsClassIndex(float y, int classes) => y >= 0 && y < classes && y == MathF.Floor(y);

    private double Forward(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, int steps, bool withGradient)
    {
        int layers = _shape.Layers;
        int hidden = _shape.HiddenSize;
        int inputSize = _shape.InputSize;
        int layerState = _shape.LayerStateSize;
        int outputs = _shape.HeadOutputSize;
        int horizons = _shape.Horizons;
        double loss = 0;
        fixed (float* start = startState)
        fixed (float* input = inputs)
        fixed (float* record = _records)
        fixed (float* head = _headOutputs)
        fixed (float* parameters = weights.Parameters)
        {
            float* wOut = parameters + _shape.HeadParameterOffset;
            float* bOut = wOut + outputs * hidden;
            int highway = _shape.HighwayInputs;
            float* wHw = parameters + _shape.HighwayParameterOffset;
            for (int t = 0; t < steps; t++)
            {
                // Alternate sweep directions step by step, as in RecurrentNetwork (same bits either way).
                bool fromLastPanel = (t & 1) != 0;
                for (int l = 0; l < layers; l++)
                {
                    float* current = record + Record(t, l);
                    float* x = l == 0 ? input + t * inputSize : record + Record(t, l - 1) + _gateStride;
                    float* previous = t == 0 ? start + l * layerState : record + Record(t - 1, l) + _gateStride;
                    float* updated = current + _gateStride;
                    float* aux = updated + layerState;
                    var w = weights.PackedLayers[l];
                    switch (_shape.Cell)
                    {
                        case CellKind.Rnn:
                            RnnCell.Forward(w, x, 0, previous, 0, 1, current, _gateStride, updated, 0, fromLastPanel);
                            break;
                        case CellKind.Lstm:
                            LstmCell.Forward(w, x, 0, previous, 0, 1, current, _gateStride, updated, 0, aux, 0, fromLastPanel);
                            break;
                        default:
                            GruCell.Forward(w, x, 0, previous, 0, 1, current, _gateStride, updated, 0, aux, 0, fromLastPanel);
                            break;
                    }
                }

                float* top = record + Record(t, layers - 1) + _gateStride;
                for (int o = 0; o < outputs; o++)
                {
                    float value = DotProduct.Affine(wOut + o * hidden, top, hidden, bOut[o]);
                    head[t * _headStride + o] = highway == 0 ? value
                        : DotProduct.Affine(wHw + o * highway, input + t * inputSize + (inputSize - highway), highway, value);
                }

                float weight = targetWeights[t];
                var dOutput = _headGradients.AsSpan(t * outputs, outputs);
                if (weight > 0)
                {
                    ReadOnlySpan<float> output = new(head + t * _headStride, outputs);
                    loss += HeadLoss.Compute(_shape.Head, horizons, output, targets.Slice(t * horizons, horizons), weight, dOutput);
                }
                else if (withGradient)
                {
                    dOutput.Clear();
                }
            }
        }

        return loss;
    }

    private void Backward(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targetWeights, int steps, Span<float> gradient)
    {
        int layers = _shape.Layers;
        int hidden = _shape.HiddenSize;
        int inputSize = _shape.InputSize;
        int layerState = _shape.LayerStateSize;
        int outputs = _shape.HeadOutputSize;
        var parameters = weights.Parameters;
        int headOffset = _shape.HeadParameterOffset;
        var wOut = parameters.Slice(headOffset, outputs * hidden);
        var gWOut = gradient.Slice(headOffset, outputs * hidden);
        var gBOut = gradient.Slice(headOffset + outputs * hidden, outputs);
        int highway = _shape.HighwayInputs;
        var gWHw = gradient.Slice(_shape.HighwayParameterOffset, outputs * highway);
        Array.Clear(_dh);
        Array.Clear(_dc);

        for (int t = steps - 1; t >= 0; t--)
        {
            if (targetWeights[t] > 0)
            {
                ReadOnlySpan<float> hTop = _records.AsSpan(Record(t, layers - 1) + _gateStride, hidden);
                var dTop = _dh.AsSpan((layers - 1) * hidden, hidden);
                for (int o = 0; o < outputs; o++)
                {
                    float d = _headGradients[t * outputs + o];
                    var gRow = gWOut.Slice(o * hidden, hidden);
                    TensorPrimitives.MultiplyAdd(hTop, d, gRow, gRow);
                    TensorPrimitives.MultiplyAdd(wOut.Slice(o * hidden, hidden), d, dTop, dTop);
                    gBOut[o] += d;
                    if (highway > 0)
                    {
                        // The highway: ∂W_hw[o] += d · x[I−A..I); nothing flows into the inputs.
                        var hwRow = gWHw.Slice(o * highway, highway);
                        TensorPrimitives.MultiplyAdd(inputs.Slice(t * inputSize + inputSize - highway, highway), d, hwRow, hwRow);
                    }
                }
            }

            for (int l = layers - 1; l >= 0; l--)
            {
                int current = Record(t, l);
                int inputWidth = _shape.LayerInputSize(l);
                var x = l == 0 ? inputs.Slice(t * inputSize, inputSize) : _records.AsSpan(Record(t, l - 1) + _gateStride, hidden);
                var previous = t == 0 ? startState.Slice(l * layerState, layerState) : _records.AsSpan(Record(t - 1, l) + _gateStride, layerState);
                var hPrev = previous.Slice(0, hidden);
                ReadOnlySpan<float> gates = _records.AsSpan(current, _gateStride);
                ReadOnlySpan<float> hNew = _records.AsSpan(current + _gateStride, hidden);
                ReadOnlySpan<float> aux = _records.AsSpan(current + _gateStride + layerState, hidden);
                var layerParameters = parameters.Slice(_shape.LayerParameterOffset(l), _shape.LayerParameterCount(l));
                var layerGradient = gradient.Slice(_shape.LayerParameterOffset(l), _shape.LayerParameterCount(l));
                var dhLayer = _dh.AsSpan(l * hidden, hidden);

                // Nothing flows below the first layer's input or into the window's start state.
                var dx = l > 0 ? _dh.AsSpan((l - 1) * hidden, hidden) : Span<float>.Empty;
                var dhBefore = t > 0 ? _dhPrev : Span<float>.Empty;
                _dhPrev.AsSpan().Clear();
                switch (_shape.Cell)
                {
                    case CellKind.Rnn:
                        RnnCell.Backward(layerParameters, layerGradient, inputWidth, x, hPrev, hNew, dhLayer, _dAih, dx, dhBefore);
                        break;
                    case CellKind.Lstm:
                        LstmCell.Backward(layerParameters, layerGradient, inputWidth, x, hPrev, previous.Slice(hidden, hidden), gates,
                            aux, dhLayer, _dc.AsSpan(l * hidden, hidden), _dAih, dx, dhBefore);
                        break;
                    default:
                        var packed = weights.PackedLayers[l];
                        GruCell.Backward(layerParameters, layerGradient, inputWidth, x, hPrev, gates.Slice(0, 2 * hidden),
                            gates.Slice(packed.InputNOffset, hidden), gates.Slice(packed.HiddenNOffset, hidden), dhLayer, _dAih, _dAhh, dx, dhBefore);
                        break;
                }

                _dhPrev.CopyTo(dhLayer);
            }
        }
    }

    private int Record(int step, int layer) => (step * _shape.Layers + layer) * _recordStride;
}
