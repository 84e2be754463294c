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
    private const int HeadStride = 2; // the widest head, Gaussian, has two outputs

    private readonly ModelShape shape;
    private readonly int maxSteps;
    private readonly int gateStride;
    private readonly int recordStride;
    private readonly float[] records;
    private readonly float[] headOutputs;
    private readonly float[] headGradients;
    private readonly float[] dh;
    private readonly float[] dc;
    private readonly float[] dhPrev;
    private readonly float[] dAih;
    private readonly float[] dAhh;

    public BackpropagationThroughTime(ModelShape shape, int maxSteps)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSteps, 1);
        this.shape = shape;
        this.maxSteps = maxSteps;
        int hidden = shape.HiddenSize;
        int panel = PackedMatrix.PanelWidth;
        int Round(int n) => (n + panel - 1) / panel * panel;
        gateStride = shape.Cell == CellKind.Gru ? Round(2 * hidden) + 2 * Round(hidden) : Round(shape.GateCount * hidden);

        // One record per (step, layer): [gates | new layer state (h, c) | auxiliary (tanh c' or GRU scratch)].
        recordStride = gateStride + shape.LayerStateSize + hidden;
        records = GC.AllocateArray<float>(maxSteps * shape.Layers * recordStride, pinned: true);
        headOutputs = GC.AllocateArray<float>(maxSteps * HeadStride, pinned: true);
        headGradients = new float[maxSteps * shape.HeadOutputSize];
        dh = new float[shape.Layers * hidden];
        dc = new float[shape.Layers * hidden];
        dhPrev = new float[hidden];
        dAih = new float[shape.GateCount * hidden];
        dAhh = new float[shape.GateCount * hidden];
    }

    /// <summary>The shape this instance trains.</summary>
    public ModelShape Shape => shape;

    /// <summary>The longest window accepted.</summary>
    public int MaxSteps => maxSteps;

    /// <summary>
    /// Runs the window forward from <paramref name="startState"/> over <paramref name="inputs"/> (k × InputSize),
    /// scores step t's head output against <paramref name="targets"/>[t] with weight <paramref name="targetWeights"/>[t]
    /// (0 = no target at that step) using the head's loss (MSE, Gaussian NLL or BCE), backpropagates, and ADDS the
    /// gradient of the weighted-sum loss to <paramref name="gradient"/> (ParameterCount floats).
    /// Returns the weighted-sum loss and writes the sum of weights to <paramref name="weightSum"/>.
    /// </summary>
    public double Accumulate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, Span<float> gradient, out double weightSum)
    {
        int steps = Validate(weights, startState, inputs, targets, targetWeights, out weightSum);
        if (gradient.Length != shape.ParameterCount)
        {
            throw new ArgumentException($"gradient holds {gradient.Length} floats but the shape has {shape.ParameterCount} parameters.", nameof(gradient));
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
    public float LastOutput(int step) => headOutputs[step * HeadStride];

    private int Validate(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, out double weightSum)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Shape != shape)
        {
            throw new ArgumentException($"The weights are for {weights.Shape} but this trainer runs {shape}.", nameof(weights));
        }

        int steps = targets.Length;
        if (steps < 1 || steps > maxSteps)
        {
            throw new ArgumentException($"The window has {steps} steps; 1..{maxSteps} are accepted.", nameof(targets));
        }

        if (inputs.Length != steps * shape.InputSize)
        {
            throw new ArgumentException($"inputs holds {inputs.Length} floats but {steps} steps × {shape.InputSize} are needed.", nameof(inputs));
        }

        if (targetWeights.Length != steps)
        {
            throw new ArgumentException($"targetWeights holds {targetWeights.Length} floats but the window has {steps} steps.", nameof(targetWeights));
        }

        if (startState.Length != shape.StateSize)
        {
            throw new ArgumentException($"startState holds {startState.Length} floats but StateSize is {shape.StateSize}.", nameof(startState));
        }

        int bad = FiniteCheck.IndexOfNonFinite(inputs);
        if (bad >= 0)
        {
            throw new ArgumentException($"Input {bad} (step {bad / shape.InputSize}) is not finite ({inputs[bad]}).", nameof(inputs));
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

            if (w > 0)
            {
                float y = targets[t];
                if (!float.IsFinite(y))
                {
                    throw new ArgumentException($"Target at step {t} is not finite ({y}).", nameof(targets));
                }

                if (shape.Head == HeadKind.Binary && y is < 0f or > 1f)
                {
                    throw new ArgumentException($"Binary target at step {t} must lie in [0, 1], not {y}.", nameof(targets));
                }

                weightSum += w;
            }
        }

        return steps;
    }

    private double Forward(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> inputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<float> targetWeights, int steps, bool withGradient)
    {
        int layers = shape.Layers;
        int hidden = shape.HiddenSize;
        int inputSize = shape.InputSize;
        int layerState = shape.LayerStateSize;
        int outputs = shape.HeadOutputSize;
        double loss = 0;
        fixed (float* start = startState)
        fixed (float* input = inputs)
        fixed (float* record = records)
        fixed (float* head = headOutputs)
        fixed (float* parameters = weights.Parameters)
        {
            float* wOut = parameters + shape.HeadParameterOffset;
            float* bOut = wOut + outputs * hidden;
            for (int t = 0; t < steps; t++)
            {
                // Alternate sweep directions step by step, as in RecurrentNetwork (same bits either way).
                bool fromLastPanel = (t & 1) != 0;
                for (int l = 0; l < layers; l++)
                {
                    float* current = record + Record(t, l);
                    float* x = l == 0 ? input + t * inputSize : record + Record(t, l - 1) + gateStride;
                    float* previous = t == 0 ? start + l * layerState : record + Record(t - 1, l) + gateStride;
                    float* updated = current + gateStride;
                    float* aux = updated + layerState;
                    PackedLayer w = weights.PackedLayers[l];
                    switch (shape.Cell)
                    {
                        case CellKind.Rnn:
                            RnnCell.Forward(w, x, 0, previous, 0, 1, current, gateStride, updated, 0, fromLastPanel);
                            break;
                        case CellKind.Lstm:
                            LstmCell.Forward(w, x, 0, previous, 0, 1, current, gateStride, updated, 0, aux, 0, fromLastPanel);
                            break;
                        default:
                            GruCell.Forward(w, x, 0, previous, 0, 1, current, gateStride, updated, 0, aux, 0, fromLastPanel);
                            break;
                    }
                }

                float* top = record + Record(t, layers - 1) + gateStride;
                for (int o = 0; o < outputs; o++)
                {
                    head[t * HeadStride + o] = DotProduct.Affine(wOut + o * hidden, top, hidden, bOut[o]);
                }

                float weight = targetWeights[t];
                Span<float> dOutput = headGradients.AsSpan(t * outputs, outputs);
                if (weight > 0)
                {
                    ReadOnlySpan<float> output = new(head + t * HeadStride, outputs);
                    loss += shape.Head switch
                    {
                        HeadKind.Linear => LinearHead.Loss(output, targets[t], weight, dOutput),
                        HeadKind.Gaussian => GaussianHead.Loss(output, targets[t], weight, dOutput),
                        _ => BinaryHead.Loss(output, targets[t], weight, dOutput),
                    };
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
        int layers = shape.Layers;
        int hidden = shape.HiddenSize;
        int inputSize = shape.InputSize;
        int layerState = shape.LayerStateSize;
        int outputs = shape.HeadOutputSize;
        ReadOnlySpan<float> parameters = weights.Parameters;
        int headOffset = shape.HeadParameterOffset;
        ReadOnlySpan<float> wOut = parameters.Slice(headOffset, outputs * hidden);
        Span<float> gWOut = gradient.Slice(headOffset, outputs * hidden);
        Span<float> gBOut = gradient.Slice(headOffset + outputs * hidden, outputs);
        Array.Clear(dh);
        Array.Clear(dc);

        for (int t = steps - 1; t >= 0; t--)
        {
            if (targetWeights[t] > 0)
            {
                ReadOnlySpan<float> hTop = records.AsSpan(Record(t, layers - 1) + gateStride, hidden);
                Span<float> dTop = dh.AsSpan((layers - 1) * hidden, hidden);
                for (int o = 0; o < outputs; o++)
                {
                    float d = headGradients[t * outputs + o];
                    Span<float> gRow = gWOut.Slice(o * hidden, hidden);
                    TensorPrimitives.MultiplyAdd(hTop, d, gRow, gRow);
                    TensorPrimitives.MultiplyAdd(wOut.Slice(o * hidden, hidden), d, dTop, dTop);
                    gBOut[o] += d;
                }
            }

            for (int l = layers - 1; l >= 0; l--)
            {
                int current = Record(t, l);
                int inputWidth = shape.LayerInputSize(l);
                ReadOnlySpan<float> x = l == 0 ? inputs.Slice(t * inputSize, inputSize) : records.AsSpan(Record(t, l - 1) + gateStride, hidden);
                ReadOnlySpan<float> previous = t == 0 ? startState.Slice(l * layerState, layerState) : records.AsSpan(Record(t - 1, l) + gateStride, layerState);
                ReadOnlySpan<float> hPrev = previous.Slice(0, hidden);
                ReadOnlySpan<float> gates = records.AsSpan(current, gateStride);
                ReadOnlySpan<float> hNew = records.AsSpan(current + gateStride, hidden);
                ReadOnlySpan<float> aux = records.AsSpan(current + gateStride + layerState, hidden);
                ReadOnlySpan<float> layerParameters = parameters.Slice(shape.LayerParameterOffset(l), shape.LayerParameterCount(l));
                Span<float> layerGradient = gradient.Slice(shape.LayerParameterOffset(l), shape.LayerParameterCount(l));
                Span<float> dhLayer = dh.AsSpan(l * hidden, hidden);

                // Nothing flows below the first layer's input or into the window's start state.
                Span<float> dx = l > 0 ? dh.AsSpan((l - 1) * hidden, hidden) : Span<float>.Empty;
                Span<float> dhBefore = t > 0 ? dhPrev : Span<float>.Empty;
                dhPrev.AsSpan().Clear();
                switch (shape.Cell)
                {
                    case CellKind.Rnn:
                        RnnCell.Backward(layerParameters, layerGradient, inputWidth, x, hPrev, hNew, dhLayer, dAih, dx, dhBefore);
                        break;
                    case CellKind.Lstm:
                        LstmCell.Backward(layerParameters, layerGradient, inputWidth, x, hPrev, previous.Slice(hidden, hidden), gates,
                            aux, dhLayer, dc.AsSpan(l * hidden, hidden), dAih, dx, dhBefore);
                        break;
                    default:
                        PackedLayer packed = weights.PackedLayers[l];
                        GruCell.Backward(layerParameters, layerGradient, inputWidth, x, hPrev, gates.Slice(0, 2 * hidden),
                            gates.Slice(packed.InputNOffset, hidden), gates.Slice(packed.HiddenNOffset, hidden), dhLayer, dAih, dAhh, dx, dhBefore);
                        break;
                }

                dhPrev.CopyTo(dhLayer);
            }
        }
    }

    private int Record(int step, int layer) => (step * shape.Layers + layer) * recordStride;
}
