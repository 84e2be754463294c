using System.Buffers;
using StreamRnn.Core.LinearAlgebra;

namespace StreamRnn.Core.Cells;

/// <summary>
/// One layer's weights packed for the forward kernel, built once per <see cref="ModelWeights"/>.
/// RNN and LSTM multiply [x, h] by one packed matrix [W_ih W_hh]ᵀ with bias b_ih + b_hh. GRU needs W_hn·h + b_hn
/// on its own (it is scaled by r), so it packs three: [W_ir W_hr; W_iz W_hz]ᵀ for r and z, W_inᵀ with b_in, and
/// W_hnᵀ with b_hn.
/// </summary>
/// <remarks>
/// Gate scratch row layout (GateStride floats): RNN [a (H)], LSTM [i f g o (4H)], GRU [r z (2H) | n_x (H) | gh_n (H)],
/// each block starting at a multiple of 16 floats (the kernel writes whole panels).
/// </remarks>
internal sealed class PackedLayer
{
    private PackedLayer(PackedMatrix main, PackedMatrix? inputN, PackedMatrix? hiddenN, int inputSize, int hiddenSize)
    {
        Main = main;
        InputN = inputN;
        HiddenN = hiddenN;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        InputNOffset = main.PaddedColumns;
        HiddenNOffset = InputNOffset + (inputN?.PaddedColumns ?? 0);
        GateStride = HiddenNOffset + (hiddenN?.PaddedColumns ?? 0);
    }

    /// <summary>RNN: all of a; LSTM: i, f, g, o; GRU: r and z.</summary>
    public PackedMatrix Main { get; }

    /// <summary>GRU only: W_inᵀ with bias b_in.</summary>
    public PackedMatrix? InputN { get; }

    /// <summary>GRU only: W_hnᵀ with bias b_hn.</summary>
    public PackedMatrix? HiddenN { get; }

    public int InputSize { get; }

    public int HiddenSize { get; }

    /// <summary>GRU: where n_x = W_in x + b_in (and later n) starts in a gate row.</summary>
    public int InputNOffset { get; }

    /// <summary>GRU: where gh_n = W_hn h + b_hn starts in a gate row.</summary>
    public int HiddenNOffset { get; }

    /// <summary>Floats per row of gate scratch.</summary>
    public int GateStride { get; }

    public static PackedLayer Create(ModelShape shape, int layer, ReadOnlySpan<float> parameters)
    {
        int inputSize = shape.LayerInputSize(layer);
        int hidden = shape.HiddenSize;
        int mainColumns = MainColumns(shape);
        int k = inputSize + hidden;
        float[] dense = new float[k * mainColumns];
        float[] bias = new float[mainColumns];
        FillMain(shape, layer, parameters, dense, bias);
        var main = new PackedMatrix(k, mainColumns, dense, bias);
        if (shape.Cell != CellKind.Gru)
        {
            return new PackedLayer(main, null, null, inputSize, hidden);
        }

        float[] denseIn = new float[inputSize * hidden];
        float[] denseHn = new float[hidden * hidden];
        FillCandidate(shape, layer, parameters, denseIn, denseHn, out var bIn, out var bHn);
        var inputN = new PackedMatrix(inputSize, hidden, denseIn, bIn);
        var hiddenN = new PackedMatrix(hidden, hidden, denseHn, bHn);
        return new PackedLayer(main, inputN, hiddenN, inputSize, hidden);
    }

    /// <summary>
    /// Packs new parameters of the same shape into this layer in place: what a trainer's scratch weights do after
    /// every optimiser step, without allocating (the dense staging arrays come from the shared pool).
    /// </summary>
    public void Reload(ModelShape shape, int layer, ReadOnlySpan<float> parameters)
    {
        int mainColumns = MainColumns(shape);
        int k = InputSize + HiddenSize;
        int needed = Math.Max(k * mainColumns + mainColumns, InputSize * HiddenSize + HiddenSize * HiddenSize);
        float[] staging = ArrayPool<float>.Shared.Rent(needed);
        try
        {
            var dense = staging.AsSpan(0, k * mainColumns);
            var bias = staging.AsSpan(k * mainColumns, mainColumns);
            FillMain(shape, layer, parameters, dense, bias);
            Main.Load(dense, bias);
            if (InputN is null || HiddenN is null)
            {
                return;
            }

            var denseIn = staging.AsSpan(0, InputSize * HiddenSize);
            var denseHn = staging.AsSpan(InputSize * HiddenSize, HiddenSize * HiddenSize);
            FillCandidate(shape, layer, parameters, denseIn, denseHn, out var bIn, out var bHn);
            InputN.Load(denseIn, bIn);
            HiddenN.Load(denseHn, bHn);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(staging);
        }
    }

    private static int MainColumns(ModelShape shape) =>
        shape.Cell == CellKind.Gru ? 2 * shape.HiddenSize : shape.GateCount * shape.HiddenSize;

    /// <summary>[W_ih | W_hh]ᵀ of the gates computed together (all of them; r and z for GRU) and b_ih + b_hh.</summary>
    private static void FillMain(ModelShape shape, int layer, ReadOnlySpan<float> parameters, Span<float> dense, Span<float> bias)
    {
        int inputSize = shape.LayerInputSize(layer);
        int hidden = shape.HiddenSize;
        int gh = shape.GateCount * hidden;
        int offset = shape.LayerParameterOffset(layer);
        var wIh = parameters.Slice(offset, gh * inputSize);
        var wHh = parameters.Slice(offset + gh * inputSize, gh * hidden);
        var bIh = parameters.Slice(offset + gh * (inputSize + hidden), gh);
        var bHh = parameters.Slice(offset + gh * (inputSize + hidden) + gh, gh);
        int mainColumns = MainColumns(shape);
        for (int j = 0; j < mainColumns; j++)
        {
            for (int i = 0; i < inputSize; i++)
            {
                dense[i * mainColumns + j] = wIh[j * inputSize + i];
            }

            for (int i = 0; i < hidden; i++)
            {
                dense[(inputSize + i) * mainColumns + j] = wHh[j * hidden + i];
            }

            bias[j] = bIh[j] + bHh[j];
        }
    }

    /// <summary>GRU's candidate gate: W_in and W_hn transposed, with their separate biases (n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))).</summary>
    private static void FillCandidate(ModelShape shape, int layer, ReadOnlySpan<float> parameters, Span<float> denseIn,
        Span<float> denseHn, out ReadOnlySpan<float> bIn, out ReadOnlySpan<float> bHn)
    {
        int inputSize = shape.LayerInputSize(layer);
        int hidden = shape.HiddenSize;
        int gh = shape.GateCount * hidden;
        int offset = shape.LayerParameterOffset(layer);
        var wIh = parameters.Slice(offset, gh * inputSize);
        var wHh = parameters.Slice(offset + gh * inputSize, gh * hidden);
        var bIh = parameters.Slice(offset + gh * (inputSize + hidden), gh);
        var bHh = parameters.Slice(offset + gh * (inputSize + hidden) + gh, gh);
        for (int j = 0; j < hidden; j++)
        {
            for (int i = 0; i < inputSize; i++)
            {
                denseIn[i * hidden + j] = wIh[(2 * hidden + j) * inputSize + i];
            }

            for (int i = 0; i < hidden; i++)
            {
                denseHn[i * hidden + j] = wHh[(2 * hidden + j) * hidden + i];
            }
        }

        bIn = bIh.Slice(2 * hidden, hidden);
        bHn = bHh.Slice(2 * hidden, hidden);
    }
}
