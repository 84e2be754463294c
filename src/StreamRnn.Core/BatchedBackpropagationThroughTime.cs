using System.Numerics.Tensors;
using StreamRnn.Core.Cells;
using StreamRnn.Core.Heads;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;

namespace StreamRnn.Core;

/// <summary>
/// Truncated BPTT over a mini-batch of B windows of k steps at once: the forward pass steps all B windows together
/// through the packed GEMM (one <c>rows = B</c> cell call per step and layer, as inference batches keys), and so does the
/// backward pass: per step and layer, the gate pre-activation gradients δ of the B windows (elementwise), then
/// <c>dh_prev = δ·W_hh</c>, <c>dx = δ·W_ih</c> and <c>∂W += δᵀ·[x, h_prev]</c> as matrix products over the batch
/// (<see cref="StridedGemm"/>). All buffers are allocated here, once, for up to maxBatch windows of up to maxSteps
/// steps; a call allocates nothing. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>Equivalence: the packed kernel gives each row the bits it gives that row alone, so the forward records, head
/// outputs and losses are bit-identical to <see cref="BackpropagationThroughTime"/> on each window, and the summed loss
/// to calling <see cref="BackpropagationThroughTime.Accumulate"/> on the windows in order. The gradient equals that sum
/// up to float32 summation order (the weight gradients reduce over the windows inside a product, in window order, step
/// by step). It is deterministic: the same inputs give the same bits on every call and every instance, as every sum runs
/// in a fixed order on one thread.</para>
/// <para>Layout of the batch: window b's start state at [b·S, (b+1)·S) of startStates, its inputs at
/// [b·k·I, (b+1)·k·I) of inputs (step t at b·k·I + t·I), its target weights at [b·k, (b+1)·k) and its targets at
/// [b·k·K, (b+1)·k·K) (K = <see cref="ModelShape.Horizons"/>; step t's K targets at (b·k + t)·K, NaN = unknown). Losses,
/// gradient stopping at the window start, input checks and non-finite behaviour are those of
/// <see cref="BackpropagationThroughTime"/>. Records are stored per step and layer as B contiguous rows
/// [gates | state | aux], so a step's backward reads one contiguous block.</para>
/// </remarks>
public sealed unsafe class BatchedBackpropagationThroughTime
{

    private readonly ModelShape _shape;
    private readonly int _headStride; // at least 2 (Gaussian), K for a Categorical head
    private readonly int _maxSteps;
    private readonly int _maxBatch;
    private readonly int _gateStride;
    private readonly int _recordStride;
    private readonly float[] _records;
    private readonly float[] _stepInputs;
    private readonly float[] _headOutputs;
    private readonly float[] _headGradients;
    private readonly double[] _windowLosses;
    private readonly float[] _dh;
    private readonly float[] _dc;
    private readonly float[] _dAih;
    private readonly float[] _dAhh;

    public BatchedBackpropagationThroughTime(ModelShape shape, int maxSteps, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _shape = shape;
        _headStride = Math.Max(2, shape.HeadOutputSize);
        _maxSteps = maxSteps;
        _maxBatch = maxBatch;
        int hidden = shape.HiddenSize;
        int panel = PackedMatrix.PanelWidth;
        int Round(int n) => (n + panel - 1) / panel * panel;
        _gateStride = shape.Cell == CellKind.Gru ? Round(2 * hidden) + 2 * Round(hidden) : Round(shape.GateCount * hidden);
        _recordStride = _gateStride + shape.LayerStateSize + hidden;
        _records = GC.AllocateArray<float>(maxSteps * shape.Layers * maxBatch * _recordStride, pinned: true);
        _stepInputs = GC.AllocateArray<float>(maxSteps * maxBatch * shape.InputSize + maxBatch * shape.StateSize, pinned: true);
        _headOutputs = new float[maxSteps * maxBatch * _headStride];
        _headGradients = new float[maxSteps * maxBatch * shape.HeadOutputSize];
        _windowLosses = new double[maxBatch];
        _dh = new float[shape.Layers * maxBatch * hidden];
        _dc = new float[shape.Layers * maxBatch * hidden];
        _dAih = new float[maxBatch * shape.GateCount * hidden];
        _dAhh = new float[shape.Cell == CellKind.Gru ? maxBatch * shape.GateCount * hidden : 0];
    }

    public ModelShape Shape => _shape;

    public int MaxSteps => _maxSteps;

    public int MaxBatch => _maxBatch;

    /// <summary>
    /// Runs <paramref name="batch"/> windows of <paramref name="steps"/> steps forward together, scores every step with a
    /// positive weight, backpropagates and ADDS the gradient of the summed loss to <paramref name="gradient"/>.
    /// Returns the summed loss (windows added in order) and writes the sum of weights to <paramref name="weightSum"/>.
    /// </summary>
    public double Accumulate(ModelWeights weights, int batch, int steps, ReadOnlySpan<float> startStates, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, Span<float> gradient, out double weightSum)
    {
        Validate(weights, batch, steps, startStates, inputs, targets, targetWeights, out weightSum);
        if (gradient.Length != _shape.ParameterCount)
        {
            throw new ArgumentException($"gradient holds {gradient.Length} floats but the shape has {_shape.ParameterCount} parameters.", nameof(gradient));
        }

        double loss = Forward(weights, batch, steps, startStates, inputs, targets, targetWeights, withGradient: true);
        Backward(weights, batch, steps, targetWeights, gradient);

        return loss;
    }

    /// <summary>Summed loss only (no gradient).</summary>
    public double Evaluate(ModelWeights weights, int batch, int steps, ReadOnlySpan<float> startStates, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, out double weightSum)
    {
        Validate(weights, batch, steps, startStates, inputs, targets, targetWeights, out weightSum);
        return Forward(weights, batch, steps, startStates, inputs, targets, targetWeights, withGradient: false);
    }

    private void Validate(ModelWeights weights, int batch, int steps, ReadOnlySpan<float> startStates, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, out double weightSum)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Shape != _shape)
        {
            throw new ArgumentException($"The weights are for {weights.Shape} but this trainer runs {_shape}.", nameof(weights));
        }

        if (batch < 1 || batch > _maxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"1..{_maxBatch} windows are accepted.");
        }

        if (steps < 1 || steps > _maxSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"1..{_maxSteps} steps are accepted.");
        }

        int horizons = _shape.Horizons;
        if (startStates.Length != batch * _shape.StateSize || inputs.Length != batch * steps * _shape.InputSize
            || targets.Length != batch * steps * horizons || targetWeights.Length != batch * steps)
        {
            throw new ArgumentException($"{batch} windows of {steps} steps need {batch * _shape.StateSize} state floats, {batch * steps * _shape.InputSize} inputs, {batch * steps * horizons} targets and {batch * steps} weights.");
        }

        int bad = FiniteCheck.IndexOfNonFinite(inputs);
        if (bad >= 0)
        {
            throw new ArgumentException($"Input {bad} is not finite ({inputs[bad]}).", nameof(inputs));
        }

        bad = FiniteCheck.IndexOfNonFinite(startStates);
        if (bad >= 0)
        {
            throw new ArgumentException($"Start state value {bad} is not finite ({startStates[bad]}).", nameof(startStates));
        }

        weightSum = 0;
        for (int i = 0; i < targetWeights.Length; i++)
        {
            float w = targetWeights[i];
            if (!float.IsFinite(w) || w < 0)
            {
                throw new ArgumentException($"Target weight {i} must be finite and non-negative, not {w}.", nameof(targetWeights));
            }

            if (w > 0 && horizons > 1)
            {
                // K targets per step: NaN = not known (no loss); anything else must be finite.
                for (int k = 0; k < horizons; k++)
                {
                    if (float.IsInfinity(targets[i * horizons + k]))
                    {
                        throw new ArgumentException($"Target {i}, horizon {k} is not finite.", nameof(targets));
                    }
                }

                weightSum += w;
            }
            else if (w > 0)
            {
                float y = targets[i];
                if (!float.IsFinite(y) || (_shape.Head == HeadKind.Binary && y is < 0f or > 1f)
                    || (_shape.Head == HeadKind.Categorical && !BackpropagationThroughTime.IsClassIndex(y, _shape.Classes)))
                {
                    throw new ArgumentException($"Target {i} ({y}) is not finite, for a Binary head not in [0, 1], or for a Categorical head not a class index.", nameof(targets));
                }

                weightSum += w;
            }
        }
    }

    private double Forward(ModelWeights weights, int batch, int steps, ReadOnlySpan<float> startStates, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, bool withGradient)
    {
        int layers = _shape.Layers, hidden = _shape.HiddenSize, inputSize = _shape.InputSize, stateSize = _shape.StateSize;
        int layerState = _shape.LayerStateSize, outputs = _shape.HeadOutputSize, horizons = _shape.Horizons;

        // Gather: step t's inputs of the B windows side by side (row b at (t·B + b)·I), then the B start states.
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < steps; t++)
            {
                inputs.Slice((b * steps + t) * inputSize, inputSize).CopyTo(_stepInputs.AsSpan((t * batch + b) * inputSize, inputSize));
            }
        }

        int startOffset = steps * batch * inputSize;
        startStates.CopyTo(_stepInputs.AsSpan(startOffset, batch * stateSize));
        Array.Clear(_windowLosses, 0, batch);
        fixed (float* gathered = _stepInputs)
        fixed (float* record = _records)
        fixed (float* head = _headOutputs)
        fixed (float* parameters = weights.Parameters)
        {
            float* start = gathered + startOffset;
            float* wOut = parameters + _shape.HeadParameterOffset;
            float* bOut = wOut + outputs * hidden;
            int highway = _shape.HighwayInputs;
            float* wHw = parameters + _shape.HighwayParameterOffset;
            for (int t = 0; t < steps; t++)
            {
                bool fromLastPanel = (t & 1) != 0;
                for (int l = 0; l < layers; l++)
                {
                    float* current = record + Record(t, l, 0, batch);
                    float* x = l == 0 ? gathered + t * batch * inputSize : record + Record(t, l - 1, 0, batch) + _gateStride;
                    int ldx = l == 0 ? inputSize : _recordStride;
                    float* previous = t == 0 ? start + l * layerState : record + Record(t - 1, l, 0, batch) + _gateStride;
                    int ldPrevious = t == 0 ? stateSize : _recordStride;
                    float* updated = current + _gateStride;
                    float* aux = updated + layerState;
                    var w = weights.PackedLayers[l];
                    switch (_shape.Cell)
                    {
                        case CellKind.Rnn:
                            RnnCell.Forward(w, x, ldx, previous, ldPrevious, batch, current, _recordStride, updated, _recordStride, fromLastPanel);
                            break;
                        case CellKind.Lstm:
                            LstmCell.Forward(w, x, ldx, previous, ldPrevious, batch, current, _recordStride, updated, _recordStride, aux, _recordStride, fromLastPanel);
                            break;
                        default:
                            GruCell.Forward(w, x, ldx, previous, ldPrevious, batch, current, _recordStride, updated, _recordStride, aux, _recordStride, fromLastPanel);
                            break;
                    }
                }

                for (int b = 0; b < batch; b++)
                {
                    float* top = record + Record(t, layers - 1, b, batch) + _gateStride;
                    int at = t * batch + b;
                    float* x = gathered + (nint)at * inputSize + (inputSize - highway);
                    for (int o = 0; o < outputs; o++)
                    {
                        float value = DotProduct.Affine(wOut + o * hidden, top, hidden, bOut[o]);
                        head[at * _headStride + o] = highway == 0 ? value : DotProduct.Affine(wHw + o * highway, x, highway, value);
                    }

                    float weight = targetWeights[b * steps + t];
                    var dOutput = _headGradients.AsSpan(at * outputs, outputs);
                    if (weight > 0)
                    {
                        ReadOnlySpan<float> output = new(head + at * _headStride, outputs);
                        _windowLosses[b] += HeadLoss.Compute(_shape.Head, horizons, output,
                            targets.Slice((b * steps + t) * horizons, horizons), weight, dOutput);
                    }
                    else if (withGradient)
                    {
                        dOutput.Clear();
                    }
                }
            }
        }

        double loss = 0;
        for (int b = 0; b < batch; b++)
        {
            loss += _windowLosses[b];
        }

        return loss;
    }

    private void Backward(ModelWeights weights, int batch, int steps, ReadOnlySpan<float> targetWeights, Span<float> gradient)
    {
        int layers = _shape.Layers, hidden = _shape.HiddenSize, inputSize = _shape.InputSize, stateSize = _shape.StateSize;
        int layerState = _shape.LayerStateSize, outputs = _shape.HeadOutputSize, gh = _shape.GateCount * hidden;
        int plane = batch * hidden;
        Array.Clear(_dh, 0, layers * plane);
        Array.Clear(_dc, 0, layers * plane);
        fixed (float* parameters = weights.Parameters)
        fixed (float* grad = gradient)
        fixed (float* record = _records)
        fixed (float* gathered = _stepInputs)
        fixed (float* headGrad = _headGradients)
        fixed (float* dhAll = _dh)
        fixed (float* dcAll = _dc)
        fixed (float* dAi = _dAih)
        fixed (float* dAhhBuffer = _dAhh)
        {
            float* wOut = parameters + _shape.HeadParameterOffset;
            float* gWOut = grad + _shape.HeadParameterOffset;
            float* gBOut = gWOut + (outputs * hidden);
            int highway = _shape.HighwayInputs;
            float* gWHw = grad + _shape.HighwayParameterOffset;
            float* start = gathered + (steps * batch * inputSize);
            float* dAh = _shape.Cell == CellKind.Gru ? dAhhBuffer : dAi;
            for (int t = steps - 1; t >= 0; t--)
            {
                // Head: window by window (O · H per window), into the top layer's ∂L/∂h.
                float* top = record + Record(t, layers - 1, 0, batch) + _gateStride;
                float* dTop = dhAll + ((layers - 1) * plane);
                for (int b = 0; b < batch; b++)
                {
                    if (targetWeights[(b * steps) + t] > 0)
                    {
                        var hTop = new ReadOnlySpan<float>(top + ((nint)b * _recordStride), hidden);
                        var dRow = new Span<float>(dTop + (b * hidden), hidden);
                        for (int o = 0; o < outputs; o++)
                        {
                            float d = headGrad[(((t * batch) + b) * outputs) + o];
                            var gRow = new Span<float>(gWOut + (o * hidden), hidden);
                            TensorPrimitives.MultiplyAdd(hTop, d, gRow, gRow);
                            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(wOut + (o * hidden), hidden), d, dRow, dRow);
                            gBOut[o] += d;
                            if (highway > 0)
                            {
                                // The highway: ∂W_hw[o] += d · x[I−A..I) of this window's step; nothing flows into the inputs.
                                var hwRow = new Span<float>(gWHw + (o * highway), highway);
                                var x = new ReadOnlySpan<float>(gathered + ((((nint)t * batch) + b) * inputSize) + inputSize - highway, highway);
                                TensorPrimitives.MultiplyAdd(x, d, hwRow, hwRow);
                            }
                        }
                    }
                }

                for (int l = layers - 1; l >= 0; l--)
                {
                    int inputWidth = _shape.LayerInputSize(l);
                    float* x = l == 0 ? gathered + (t * batch * inputSize) : record + Record(t, l - 1, 0, batch) + _gateStride;
                    int ldx = l == 0 ? inputSize : _recordStride;
                    float* previous = t == 0 ? start + (l * layerState) : record + Record(t - 1, l, 0, batch) + _gateStride;
                    int ldPrevious = t == 0 ? stateSize : _recordStride;
                    float* current = record + Record(t, l, 0, batch);
                    float* dhLayer = dhAll + (l * plane);
                    float* dcLayer = dcAll + (l * plane);
                    var packed = weights.PackedLayers[l];

                    // 1. Elementwise: every window's gate pre-activation gradients, rows of B × G·H.
                    for (int b = 0; b < batch; b++)
                    {
                        float* gates = current + ((nint)b * _recordStride);
                        float* hNew = gates + _gateStride;
                        float* prev = previous + ((nint)b * ldPrevious);
                        float* dhRow = dhLayer + (b * hidden);
                        switch (_shape.Cell)
                        {
                            case CellKind.Rnn:
                                GateGradients.Rnn(hidden, hNew, dhRow, dAi + (b * gh));
                                break;
                            case CellKind.Lstm:
                                GateGradients.Lstm(hidden, gates, hNew + layerState, prev + hidden, dhRow, dcLayer + (b * hidden), dAi + (b * gh));
                                break;
                            default:
                                GateGradients.Gru(hidden, gates, gates + packed.InputNOffset, gates + packed.HiddenNOffset, prev, dhRow,
                                    dAi + (b * gh), dAh + (b * gh), t > 0 ? dhRow : null);
                                break;
                        }
                    }

                    // 2. Matrix products over the batch, windows reduced in order b = 0, 1, …
                    float* wIh = parameters + _shape.LayerParameterOffset(l);
                    float* wHh = wIh + (gh * inputWidth);
                    float* gWih = grad + _shape.LayerParameterOffset(l);
                    float* gWhh = gWih + (gh * inputWidth);
                    float* gBih = gWhh + (gh * hidden);
                    float* gBhh = gBih + gh;
                    for (int b = 0; b < batch; b++)
                    {
                        TensorPrimitives.Add(new ReadOnlySpan<float>(gBih, gh), new ReadOnlySpan<float>(dAi + (b * gh), gh), new Span<float>(gBih, gh));
                        TensorPrimitives.Add(new ReadOnlySpan<float>(gBhh, gh), new ReadOnlySpan<float>(dAh + (b * gh), gh), new Span<float>(gBhh, gh));
                    }

                    StridedGemm.MultiplyAdd(dAi, 1, gh, x, ldx, gWih, inputWidth, gh, inputWidth, batch);
                    StridedGemm.MultiplyAdd(dAh, 1, gh, previous, ldPrevious, gWhh, hidden, gh, hidden, batch);
                    if (t > 0)
                    {
                        // ∂L/∂h of the step before: GRU's direct term dh ⊙ z is already in place, the others start at zero.
                        if (_shape.Cell != CellKind.Gru)
                        {
                            new Span<float>(dhLayer, plane).Clear();
                        }

                        StridedGemm.MultiplyAdd(dAh, gh, 1, wHh, hidden, dhLayer, hidden, batch, hidden, gh);
                    }

                    if (l > 0)
                    {
                        StridedGemm.MultiplyAdd(dAi, gh, 1, wIh, inputWidth, dhAll + ((l - 1) * plane), hidden, batch, hidden, gh);
                    }
                }
            }
        }
    }

    /// <summary>Offset of window b's record at (step, layer); the B windows of one (step, layer) are contiguous rows.</summary>
    private int Record(int step, int layer, int b, int batch) => ((step * _shape.Layers + layer) * batch + b) * _recordStride;
}
