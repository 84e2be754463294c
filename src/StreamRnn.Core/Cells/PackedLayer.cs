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
        int gh = shape.GateCount * hidden;
        int offset = shape.LayerParameterOffset(layer);
        ReadOnlySpan<float> wIh = parameters.Slice(offset, gh * inputSize);
        ReadOnlySpan<float> wHh = parameters.Slice(offset + gh * inputSize, gh * hidden);
        ReadOnlySpan<float> bIh = parameters.Slice(offset + gh * (inputSize + hidden), gh);
        ReadOnlySpan<float> bHh = parameters.Slice(offset + gh * (inputSize + hidden) + gh, gh);

        int mainColumns = shape.Cell == CellKind.Gru ? 2 * hidden : gh;
        int k = inputSize + hidden;
        var dense = new float[k * mainColumns];
        var bias = new float[mainColumns];
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

        var main = new PackedMatrix(k, mainColumns, dense, bias);
        if (shape.Cell != CellKind.Gru)
        {
            return new PackedLayer(main, null, null, inputSize, hidden);
        }

        var denseIn = new float[inputSize * hidden];
        var denseHn = new float[hidden * hidden];
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

        var inputN = new PackedMatrix(inputSize, hidden, denseIn, bIh.Slice(2 * hidden, hidden));
        var hiddenN = new PackedMatrix(hidden, hidden, denseHn, bHh.Slice(2 * hidden, hidden));
        return new PackedLayer(main, inputN, hiddenN, inputSize, hidden);
    }
}
