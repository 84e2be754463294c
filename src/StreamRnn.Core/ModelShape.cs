namespace StreamRnn.Core;

/// <summary>
/// The shape of a stacked recurrent network with a head. Everything else (parameter layout, state size)
/// follows from it.
/// </summary>
/// <remarks>
/// Parameter layout (one flat float array, PyTorch-compatible so weights can be compared with libtorch):
/// for each layer l = 0..Layers-1: W_ih (G·H × I_l, row-major), W_hh (G·H × H), b_ih (G·H), b_hh (G·H),
/// where I_0 = InputSize, I_l = HiddenSize for l &gt; 0 and G = 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n);
/// then the head: W_out (O × H), b_out (O), with O = HeadOutputSize; then the highway W_hw (O × A, row-major),
/// A = HighwayInputs (none when A = 0).
/// The highway (the linear autoregressive path of LSTNet, Lai et al. 2018) feeds the LAST A entries of each step's input
/// straight into every head output: <c>out = W_out·h_top + b_out + W_hw·x[I−A..I)</c>, trained jointly with the rest
/// (no gradient flows into x).
/// With <see cref="Horizons"/> K &gt; 1 a step has K targets (one per horizon), scored by the head's loss per output and summed.
/// State layout per key (StateSize floats): for each layer, h (H floats), then for LSTM c (H floats).
/// </remarks>
public sealed record ModelShape(CellKind Cell, int InputSize, int HiddenSize, int Layers, HeadKind Head, int Classes = 0, int HighwayInputs = 0, int Horizons = 1)
{
    /// <summary>Most horizons (outputs per target) a Linear or Gaussian head accepts.</summary>
    public const int MaxHorizons = 64;

    /// <summary>Most classes a Categorical head accepts.</summary>
    public const int MaxClasses = 256;

    /// <summary>Largest size accepted for any dimension; keeps every derived count far from int overflow.</summary>
    public const int MaxDimension = 1 << 14;

    /// <summary>Largest number of stacked layers accepted.</summary>
    public const int MaxLayers = 64;

    /// <summary>Floats of recurrent state per key, all layers.</summary>
    public int StateSize => Layers * LayerStateSize;

    /// <summary>Floats of state per layer: h, plus c for LSTM.</summary>
    public int LayerStateSize => Cell == CellKind.Lstm ? 2 * HiddenSize : HiddenSize;

    /// <summary>
    /// Outputs of the head: K = <see cref="Horizons"/> for Linear (one value per horizon), 2K for Gaussian laid out
    /// [μ_1..μ_K, s_1..s_K] (K = 1: [μ, s]), 1 for Binary, <see cref="Classes"/> for Categorical (one logit per class).
    /// </summary>
    public int HeadOutputSize => Head switch
    {
        HeadKind.Gaussian => 2 * Horizons,
        HeadKind.Categorical => Classes,
        HeadKind.Linear => Horizons,
        _ => 1,
    };

    /// <summary>Number of gate blocks G per layer: 1, 4 or 3.</summary>
    public int GateCount => Cell switch
    {
        CellKind.Rnn => 1,
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(Cell), Cell, "Unknown cell kind."),
    };

    /// <summary>Input width of layer <paramref name="layer"/>: InputSize for the first, HiddenSize above.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : HiddenSize;

    /// <summary>Parameters of layer <paramref name="layer"/>: W_ih, W_hh, b_ih, b_hh.</summary>
    public int LayerParameterCount(int layer)
    {
        int gh = GateCount * HiddenSize;
        return gh * (LayerInputSize(layer) + HiddenSize + 2);
    }

    /// <summary>Offset of layer <paramref name="layer"/>'s W_ih in the flat parameters; W_hh, b_ih, b_hh follow it.</summary>
    public int LayerParameterOffset(int layer)
    {
        int offset = 0;
        for (int l = 0; l < layer; l++)
        {
            offset += LayerParameterCount(l);
        }

        return offset;
    }

    /// <summary>Offset of the head's W_out in the flat parameters; b_out follows it.</summary>
    public int HeadParameterOffset => LayerParameterOffset(Layers);

    /// <summary>Offset of the highway's W_hw (O × A) in the flat parameters, right after b_out.</summary>
    public int HighwayParameterOffset => HeadParameterOffset + HeadOutputSize * (HiddenSize + 1);

    /// <summary>Total number of parameters.</summary>
    public int ParameterCount => HighwayParameterOffset + HeadOutputSize * HighwayInputs;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field if any size is not positive or an enum is unknown.</summary>
    public void Validate()
    {
        if (Cell is not (CellKind.Rnn or CellKind.Lstm or CellKind.Gru))
        {
            throw new ArgumentOutOfRangeException(nameof(Cell), Cell, "Unknown cell kind.");
        }

        if (Head is not (HeadKind.Linear or HeadKind.Gaussian or HeadKind.Binary or HeadKind.Categorical))
        {
            throw new ArgumentOutOfRangeException(nameof(Head), Head, "Unknown head kind.");
        }

        if (Head == HeadKind.Categorical ? Classes is < 2 or > MaxClasses : Classes != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Classes), Classes,
                $"Classes must be in 2..{MaxClasses} for a Categorical head and 0 for the others.");
        }

        if (Horizons < 1 || Horizons > MaxHorizons || (Horizons > 1 && Head is not (HeadKind.Linear or HeadKind.Gaussian)))
        {
            throw new ArgumentOutOfRangeException(nameof(Horizons), Horizons,
                $"Horizons must be in 1..{MaxHorizons}, and 1 for a Binary or Categorical head.");
        }

        if (InputSize is < 1 or > MaxDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(InputSize), InputSize, $"InputSize must be in 1..{MaxDimension}.");
        }

        if (HiddenSize is < 1 or > MaxDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, $"HiddenSize must be in 1..{MaxDimension}.");
        }

        if (Layers is < 1 or > MaxLayers)
        {
            throw new ArgumentOutOfRangeException(nameof(Layers), Layers, $"Layers must be in 1..{MaxLayers}.");
        }

        if (HighwayInputs < 0 || HighwayInputs > InputSize)
        {
            throw new ArgumentOutOfRangeException(nameof(HighwayInputs), HighwayInputs, "HighwayInputs must be in 0..InputSize.");
        }

        // Every count is computed in int; reject shapes whose parameter count would not fit.
        long gh = (long)GateCount * HiddenSize;
        long total = gh * (InputSize + HiddenSize + 2) + (Layers - 1) * gh * (2L * HiddenSize + 2) + (long)Math.Max(2, HeadOutputSize) * (HiddenSize + 1 + HighwayInputs);
        if (total > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, $"The shape has {total} parameters, more than supported.");
        }
    }
}
