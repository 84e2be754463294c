using StreamRnn.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace StreamRnn.Benchmarks.LibTorch;

/// <summary>
/// libtorch's side of the forward benchmark: one <c>LSTMCell</c> or <c>GRUCell</c> call for B keys per
/// <see cref="Step"/>, carrying (h, c) from call to call as the streaming core does, without autograd.
/// </summary>
/// <remarks>
/// It runs the cell only, not the head: the head is under 1% of the multiply-adds, and leaving out a second libtorch
/// call per step keeps the comparison conservative (libtorch does slightly less work than StreamRnn's Step).
/// Autograd is off twice over: the parameters do not require gradients, and the caller holds <c>no_grad()</c>.
/// </remarks>
public sealed class TorchCellStepper : IDisposable
{
    private readonly LSTMCell? lstm;
    private readonly GRUCell? gru;
    private readonly Tensor input;
    private readonly int batch;
    private readonly int hiddenSize;
    private Tensor h;
    private Tensor? c;

    /// <param name="weights">One-layer weights; copied.</param>
    /// <param name="inputs">B × InputSize inputs, fed at every step.</param>
    /// <param name="batch">B.</param>
    public TorchCellStepper(ModelWeights weights, ReadOnlySpan<float> inputs, int batch)
    {
        ModelShape shape = weights.Shape;
        this.batch = batch;
        hiddenSize = shape.HiddenSize;
        switch (shape.Cell)
        {
            case CellKind.Lstm:
                lstm = nn.LSTMCell(shape.InputSize, shape.HiddenSize);
                TorchParameters.CopyCell(weights, lstm.weight_ih!, lstm.weight_hh!, lstm.bias_ih!, lstm.bias_hh!);
                DisableGradients(lstm);
                c = zeros([batch, shape.HiddenSize], ScalarType.Float32);
                break;
            case CellKind.Gru:
                gru = nn.GRUCell(shape.InputSize, shape.HiddenSize);
                TorchParameters.CopyCell(weights, gru.weight_ih!, gru.weight_hh!, gru.bias_ih!, gru.bias_hh!);
                DisableGradients(gru);
                break;
            default:
                throw new ArgumentException($"No libtorch counterpart for {shape.Cell}.", nameof(weights));
        }

        input = TorchParameters.FromSpan(inputs[..(batch * shape.InputSize)], batch, shape.InputSize);
        h = zeros([batch, shape.HiddenSize], ScalarType.Float32);
    }

    /// <summary>One cell step for all B keys; the previous state's tensors are released at once.</summary>
    public void Step()
    {
        if (lstm is not null)
        {
            (Tensor hNext, Tensor cNext) = lstm.forward(input, (h, c!));
            h.Dispose();
            c!.Dispose();
            h = hNext;
            c = cNext;
        }
        else
        {
            Tensor hNext = gru!.forward(input, h);
            h.Dispose();
            h = hNext;
        }
    }

    /// <summary>The current states in StreamRnn's layout: per key, h then (LSTM) c.</summary>
    public float[] ReadStates()
    {
        float[] hValues = h.data<float>().ToArray();
        float[]? cValues = c?.data<float>().ToArray();
        int stateSize = cValues is null ? hiddenSize : 2 * hiddenSize;
        float[] states = new float[batch * stateSize];
        for (int row = 0; row < batch; row++)
        {
            Array.Copy(hValues, row * hiddenSize, states, row * stateSize, hiddenSize);
            if (cValues is not null)
            {
                Array.Copy(cValues, row * hiddenSize, states, (row * stateSize) + hiddenSize, hiddenSize);
            }
        }

        return states;
    }

    private static void DisableGradients(nn.Module module)
    {
        foreach (Parameter parameter in module.parameters())
        {
            parameter.requires_grad = false;
        }
    }

    public void Dispose()
    {
        lstm?.Dispose();
        gru?.Dispose();
        input.Dispose();
        h.Dispose();
        c?.Dispose();
    }
}
