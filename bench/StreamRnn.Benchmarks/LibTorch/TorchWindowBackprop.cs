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
    private readonly LSTMCell? lstm;
    private readonly GRUCell? gru;
    private readonly Linear head;
    private readonly Tensor[] inputs;
    private readonly Tensor[] hiddenStates;
    private readonly Tensor targets;
    private readonly Tensor h0;
    private readonly Tensor? c0;

    /// <param name="weights">One-layer weights with a Linear head; copied.</param>
    /// <param name="startState">StateSize floats: h, then (LSTM) c.</param>
    /// <param name="windowInputs">k × InputSize.</param>
    /// <param name="windowTargets">k targets, one per step.</param>
    public TorchWindowBackprop(ModelWeights weights, ReadOnlySpan<float> startState, ReadOnlySpan<float> windowInputs,
        ReadOnlySpan<float> windowTargets)
    {
        ModelShape shape = weights.Shape;
        if (shape.Head != HeadKind.Linear)
        {
            throw new ArgumentException($"The libtorch side models a Linear head with MSE; the shape has {shape.Head}.", nameof(weights));
        }

        int steps = windowTargets.Length;
        int hiddenSize = shape.HiddenSize;
        switch (shape.Cell)
        {
            case CellKind.Lstm:
                lstm = nn.LSTMCell(shape.InputSize, hiddenSize);
                TorchParameters.CopyCell(weights, lstm.weight_ih!, lstm.weight_hh!, lstm.bias_ih!, lstm.bias_hh!);
                c0 = TorchParameters.FromSpan(startState.Slice(hiddenSize, hiddenSize), 1, hiddenSize);
                break;
            case CellKind.Gru:
                gru = nn.GRUCell(shape.InputSize, hiddenSize);
                TorchParameters.CopyCell(weights, gru.weight_ih!, gru.weight_hh!, gru.bias_ih!, gru.bias_hh!);
                break;
            default:
                throw new ArgumentException($"No libtorch counterpart for {shape.Cell}.", nameof(weights));
        }

        head = nn.Linear(hiddenSize, shape.HeadOutputSize);
        TorchParameters.CopyHead(weights, head);
        h0 = TorchParameters.FromSpan(startState[..hiddenSize], 1, hiddenSize);
        inputs = new Tensor[steps];
        for (int step = 0; step < steps; step++)
        {
            inputs[step] = TorchParameters.FromSpan(windowInputs.Slice(step * shape.InputSize, shape.InputSize), 1, shape.InputSize);
        }

        hiddenStates = new Tensor[steps];
        targets = TorchParameters.FromSpan(windowTargets, steps, 1, 1);
    }

    /// <summary>Forward over the window, loss, backward; returns nothing so that no value is copied out per call.</summary>
    public void Run()
    {
        using DisposeScope scope = NewDisposeScope();
        Forward().backward();
    }

    /// <summary>Runs once more and returns the loss (for the equivalence check, not the timed path).</summary>
    public double RunAndReadLoss()
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = Forward();
        loss.backward();
        return loss.item<float>();
    }

    /// <summary>The accumulated gradients in <see cref="ModelShape"/>'s flat layout.</summary>
    public float[] ReadGradient()
    {
        Parameter[] blocks = lstm is not null
            ? [lstm.weight_ih!, lstm.weight_hh!, lstm.bias_ih!, lstm.bias_hh!, head.weight!, head.bias!]
            : [gru!.weight_ih!, gru.weight_hh!, gru.bias_ih!, gru.bias_hh!, head.weight!, head.bias!];
        List<float> gradient = [];
        foreach (Parameter block in blocks)
        {
            using Tensor? grad = block.grad;
            gradient.AddRange(grad is null ? new float[block.numel()] : grad.data<float>().ToArray());
        }

        return [.. gradient];
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
