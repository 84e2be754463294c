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
    private readonly LSTMCell? lstm;
    private readonly GRUCell? gru;
    private readonly Linear head;
    private readonly Tensor[] inputs;
    private readonly Tensor[] hiddenStates;
    private readonly Tensor targets;
    private readonly Tensor h0;
    private readonly Tensor? c0;

    /// <param name="weights">One-layer weights with a Linear head; copied.</param>
    /// <param name="batch">B, the windows.</param>
    /// <param name="startStates">B × StateSize (window b's h, then c).</param>
    /// <param name="windowInputs">B × k × InputSize, window-major.</param>
    /// <param name="windowTargets">B × k, window-major.</param>
    public TorchBatchedWindowBackprop(ModelWeights weights, int batch, ReadOnlySpan<float> startStates, ReadOnlySpan<float> windowInputs,
        ReadOnlySpan<float> windowTargets)
    {
        ModelShape shape = weights.Shape;
        int steps = windowTargets.Length / batch, hidden = shape.HiddenSize, inputSize = shape.InputSize, stateSize = shape.StateSize;
        var h = new float[batch * hidden];
        var c = new float[batch * hidden];
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
                lstm = nn.LSTMCell(inputSize, hidden);
                TorchParameters.CopyCell(weights, lstm.weight_ih!, lstm.weight_hh!, lstm.bias_ih!, lstm.bias_hh!);
                c0 = TorchParameters.FromSpan(c, batch, hidden);
                break;
            case CellKind.Gru:
                gru = nn.GRUCell(inputSize, hidden);
                TorchParameters.CopyCell(weights, gru.weight_ih!, gru.weight_hh!, gru.bias_ih!, gru.bias_hh!);
                break;
            default:
                throw new ArgumentException($"No libtorch counterpart for {shape.Cell}.", nameof(weights));
        }

        head = nn.Linear(hidden, shape.HeadOutputSize);
        TorchParameters.CopyHead(weights, head);
        h0 = TorchParameters.FromSpan(h, batch, hidden);
        inputs = new Tensor[steps];
        var stepInputs = new float[batch * inputSize];
        var stepTargets = new float[steps * batch];
        for (int step = 0; step < steps; step++)
        {
            for (int b = 0; b < batch; b++)
            {
                windowInputs.Slice((b * steps + step) * inputSize, inputSize).CopyTo(stepInputs.AsSpan(b * inputSize));
                stepTargets[step * batch + b] = windowTargets[b * steps + step];
            }

            inputs[step] = TorchParameters.FromSpan(stepInputs, batch, inputSize);
        }

        hiddenStates = new Tensor[steps];
        targets = TorchParameters.FromSpan(stepTargets, steps, batch, 1);
    }

    public void Run()
    {
        using DisposeScope scope = NewDisposeScope();
        Forward().backward();
    }

    public double RunAndReadLoss()
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = Forward();
        loss.backward();
        return loss.item<float>();
    }

    private Tensor Forward()
    {
        Tensor h = h0;
        Tensor? c = c0;
        for (int step = 0; step < inputs.Length; step++)
        {
            if (lstm is not null)
            {
                (h, c) = lstm.forward(inputs[step], (h, c!));
            }
            else
            {
                h = gru!.forward(inputs[step], h);
            }

            hiddenStates[step] = h;
        }

        Tensor predictions = head.forward(stack(hiddenStates, 0));
        return nn.functional.mse_loss(predictions, targets, nn.Reduction.Sum);
    }

    public void Dispose()
    {
        lstm?.Dispose();
        gru?.Dispose();
        head.Dispose();
        foreach (Tensor input in inputs)
        {
            input.Dispose();
        }

        targets.Dispose();
        h0.Dispose();
        c0?.Dispose();
    }
}
