using StreamRnn.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamRnn.Benchmarks.LibTorch;

/// <summary>
/// libtorch's side of the batched truncated-BPTT benchmark: B windows of k steps at once (an LSTMCell/GRUCell call on
/// a B-row batch per step), the Linear head on every step of every window, a summed MSE loss and <c>backward()</c>;
/// what a TorchSharp user trains a mini-batch with. Gradients accumulate in <c>.grad</c> across calls.
/// </summary>
public sealed class TorchBatchedWindowBackprop : IDisposable
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
    /// <param name="batch">B, the windows.</param>
    /// <param name="startStates">B × StateSize (window b's h, then c).</param>
    /// <param name="windowInputs">B × k × InputSize, window-major.</param>
    /// <param name="windowTargets">B × k, window-major.</param>
    public TorchBatchedWindowBackprop(ModelWeights weights, int batch, ReadOnlySpan<float> startStates, ReadOnlySpan<float> windowInputs,
        ReadOnlySpan<float> windowTargets)
    {
        var shape = weights.Shape;
        int steps = windowTargets.Length / batch, hidden = shape.HiddenSize, inputSize = shape.InputSize, stateSize = shape.StateSize;
        float[] h = new float[batch * hidden];
        float[] c = new float[batch * hidden];
        for (int b = 0; b < batch; b++)
        {
            startStates.Slice(b * stateSize, hidden).CopyTo(h.AsSpan(b * hidden));
            if (shape.Cell == CellKind.Lstm)
            {
                startStates.Slice(b * stateSize + hidden, hidden).CopyTo(c.AsSpan(b * hidden));
            }
        }

        switch (shape.Cell)
        {
            case CellKind.Lstm:
                _lstm = nn.LSTMCell(inputSize, hidden);
                TorchParameters.CopyCell(weights, _lstm.weight_ih!, _lstm.weight_hh!, _lstm.bias_ih!, _lstm.bias_hh!);
                _c0 = TorchParameters.FromSpan(c, batch, hidden);
                break;
            case CellKind.Gru:
                _gru = nn.GRUCell(inputSize, hidden);
                TorchParameters.CopyCell(weights, _gru.weight_ih!, _gru.weight_hh!, _gru.bias_ih!, _gru.bias_hh!);
                break;
            default:
                throw new ArgumentException($"No libtorch counterpart for {shape.Cell}.", nameof(weights));
        }

        _head = nn.Linear(hidden, shape.HeadOutputSize);
        TorchParameters.CopyHead(weights, _head);
        _h0 = TorchParameters.FromSpan(h, batch, hidden);
        _inputs = new Tensor[steps];
        float[] stepInputs = new float[batch * inputSize];
        float[] stepTargets = new float[steps * batch];
        for (int step = 0; step < steps; step++)
        {
            for (int b = 0; b < batch; b++)
            {
                windowInputs.Slice((b * steps + step) * inputSize, inputSize).CopyTo(stepInputs.AsSpan(b * inputSize));
                stepTargets[step * batch + b] = windowTargets[b * steps + step];
            }

            _inputs[step] = TorchParameters.FromSpan(stepInputs, batch, inputSize);
        }

        _hiddenStates = new Tensor[steps];
        _targets = TorchParameters.FromSpan(stepTargets, steps, batch, 1);
    }

    public void Run()
    {
        using var scope = NewDisposeScope();
        Forward().backward();
    }

    public double RunAndReadLoss()
    {
        using var scope = NewDisposeScope();
        var loss = Forward();
        loss.backward();
        return loss.item<float>();
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
