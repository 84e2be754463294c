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
    private readonly LSTMCell? _lstm;
    private readonly GRUCell? _gru;
    private readonly Tensor _input;
    private readonly int _batch;
    private readonly int _hiddenSize;
    private Tensor _h;
    private Tensor? _c;

    /// <param name="weights">One-layer weights; copied.</param>
    /// <param name="inputs">B × InputSize inputs, fed at every step.</param>
    /// <param name="batch">B.</param>
    public TorchCellStepper(ModelWeights weights, ReadOnlySpan<float> inputs, int batch)
    {
        var shape = weights.Shape;
        _batch = batch;
        _hiddenSize = shape.HiddenSize;
        switch (shape.Cell)
        {
            case CellKind.Lstm:
                _lstm = nn.LSTMCell(shape.InputSize, shape.HiddenSize);
                TorchParameters.CopyCell(weights, _lstm.weight_ih!, _lstm.weight_hh!, _lstm.bias_ih!, _lstm.bias_hh!);
                DisableGradients(_lstm);
                _c = zeros([batch, shape.HiddenSize], ScalarType.Float32);
                break;
            case CellKind.Gru:
                _gru = nn.GRUCell(shape.InputSize, shape.HiddenSize);
                TorchParameters.CopyCell(weights, _gru.weight_ih!, _gru.weight_hh!, _gru.bias_ih!, _gru.bias_hh!);
                DisableGradients(_gru);
                break;
            default:
                throw new ArgumentException($"No libtorch counterpart for {shape.Cell}.", nameof(weights));
        }

        _input = TorchParameters.FromSpan(inputs[..(batch * shape.InputSize)], batch, shape.InputSize);
        _h = zeros([batch, shape.HiddenSize], ScalarType.Float32);
    }

    /// <summary>One cell step for all B keys; the previous state's tensors are released at once.</summary>
    public void Step()
    {
        if (_lstm is not null)
        {
            (var hNext, var cNext) = _lstm.forward(_input, (_h, _c!));
            _h.Dispose();
            _c!.Dispose();
            _h = hNext;
            _c = cNext;
        }
        else
        {
            var hNext = _gru!.forward(_input, _h);
            _h.Dispose();
            _h = hNext;
        }
    }

    /// <summary>The current states in StreamRnn's layout: per key, h then (LSTM) c.</summary>
    public float[] ReadStates()
    {
        float[] hValues = _h.data<float>().ToArray();
        float[]? cValues = _c?.data<float>().ToArray();
        int stateSize = cValues is null ? _hiddenSize : 2 * _hiddenSize;
        float[] states = new float[_batch * stateSize];
        for (int row = 0; row < _batch; row++)
        {
            Array.Copy(hValues, row * _hiddenSize, states, row * stateSize, _hiddenSize);
            if (cValues is not null)
            {
                Array.Copy(cValues, row * _hiddenSize, states, (row * stateSize) + _hiddenSize, _hiddenSize);
            }
        }

        return states;
    }

    private static void DisableGradients(nn.Module module)
    {
        foreach (var parameter in module.parameters())
        {
            parameter.requires_grad = false;
        }
    }

    public void Dispose()
    {
        _lstm?.Dispose();
        _gru?.Dispose();
        _input.Dispose();
        _h.Dispose();
        _c?.Dispose();
    }
}
