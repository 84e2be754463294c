using StreamRnn.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamRnn.Benchmarks.LibTorch;

/// <summary>
/// libtorch's side of the truncated-BPTT benchmark: forward over a window of k steps for one key from a fixed start
/// state, the Linear head on every step, a summed MSE loss, and <c>backward()</c>.
/// </summary>
/// <remarks>
/// Written as a TorchSharp user would write it efficiently: inputs pre-split into k tensors, one <c>stack</c> and
/// one head call for all k steps, every intermediate released by a dispose scope. Gradients accumulate into the
/// parameters' <c>.grad</c> across calls, as <see cref="BackpropagationThroughTime.Accumulate"/> adds into its
/// gradient buffer; neither side zeroes between calls. The start state does not require gradients: nothing flows past
/// the truncation boundary.
/// </remarks>
public sealed class TorchWindowBackprop : IDisposable
{
    private readonly LSTMCell? _lstm;
    private readonly GRUCell? _gru;
    private readonly Linear _head;
    private readonly Tensor[] _inputs;
    private readonly Tensor[] _hiddenStates;
    private readonly Tensor _targets;
    private readonly Tensor _h0;
    private readonly Tensor? _c0;

    /// <param name="weights">One-layer weights with a Linear head; copied.</param>
    /// <param name="startState">StateSize floats: h, then (LSTM) c.</param>
    /// <param name="windowInputs">k × InputSize.</param>
    /// <param name="windowTargets">k targets, one per step.</param>
    public TorchWindowBackprop(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> windowInputs,
        ReadOnlySpan<float> windowTargets)
    {
        var shape = weights.Shape;
        if (shape.Head != HeadKind.Linear)
        {
            throw new ArgumentException($"The libtorch side models a Linear head with MSE; the shape has {shape.Head}.", nameof(weights));
        }

        int steps = windowTargets.Length;
        int hiddenSize = shape.HiddenSize;
        switch (shape.Cell)
        {
            case CellKind.Lstm:
                _lstm = nn.LSTMCell(shape.InputSize, hiddenSize);
                TorchParameters.CopyCell(weights, _lstm.weight_ih!, _lstm.weight_hh!, _lstm.bias_ih!, _lstm.bias_hh!);
                _c0 = TorchParameters.FromSpan(startState.Slice(hiddenSize, hiddenSize), 1, hiddenSize);
                break;
            case CellKind.Gru:
                _gru = nn.GRUCell(shape.InputSize, hiddenSize);
                TorchParameters.CopyCell(weights, _gru.weight_ih!, _gru.weight_hh!, _gru.bias_ih!, _gru.bias_hh!);
                break;
            default:
                throw new ArgumentException($"No libtorch counterpart for {shape.Cell}.", nameof(weights));
        }

        _head = nn.Linear(hiddenSize, shape.HeadOutputSize);
        TorchParameters.CopyHead(weights, _head);
        _h0 = TorchParameters.FromSpan(startState[..hiddenSize], 1, hiddenSize);
        _inputs = new Tensor[steps];
        for (int step = 0; step < steps; step++)
        {
            _inputs[step] = TorchParameters.FromSpan(windowInputs.Slice(step * shape.InputSize, shape.InputSize), 1, shape.InputSize);
        }

        _hiddenStates = new Tensor[steps];
        _targets = TorchParameters.FromSpan(windowTargets, steps, 1, 1);
    }

    /// <summary>Forward over the window, loss, backward; returns nothing so that no value is copied out per call.</summary>
    public void Run()
    {
        using var scope = NewDisposeScope();
        Forward().backward();
    }

    /// <summary>Runs once more and returns the loss (for the equivalence check, not the timed path).</summary>
    public double RunAndReadLoss()
    {
        using var scope = NewDisposeScope();
        var loss = Forward();
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>The accumulated gradients in <see cref="ModelShape"/>'s flat layout.</summary>
    public float[] ReadGradient()
    {
        Parameter[] blocks = _lstm is not null
            ? [_lstm.weight_ih!, _lstm.weight_hh!, _lstm.bias_ih!, _lstm.bias_hh!, _head.weight!, _head.bias!]
            : [_gru!.weight_ih!, _gru.weight_hh!, _gru.bias_ih!, _gru.bias_hh!, _head.weight!, _head.bias!];
        List<float> gradient = [];
        foreach (var block in blocks)
        {
            using var grad = block.grad;
            gradient.AddRange(grad is null ? new float[block.numel()] : grad.data<float>().ToArray());
        }

        return [.. gradient];
    }

    private Tensor Forward()
    {
        var h = _h0;
        var c = _c0;
        for (int step = 0; step < _inputs.Length; step++)
        {
            if (_lstm is not null)
            {
                (h, c) = _lstm.forward(_inputs[step], (h, c!));
            }
            else
            {
                h = _gru!.forward(_inputs[step], h);
            }

            _hiddenStates[step] = h;
        }

        var predictions = _head.forward(stack(_hiddenStates, 0));
        return nn.functional.mse_loss(predictions, _targets, nn.Reduction.Sum);
    }

    public void Dispose()
    {
        _lstm?.Dispose();
        _gru?.Dispose();
        _head.Dispose();
        foreach (var input in _inputs)
        {
            input.Dispose();
        }

        _targets.Dispose();
        _h0.Dispose();
        _c0?.Dispose();
    }
}
