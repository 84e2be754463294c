namespace StreamRnn.Core;

/// <summary>
/// The shape of a stacked recurrent network with a head. Everything else (parameter layout, state size)
/// follows from it.
/// </summary>
/// <remarks>
/// Parameter layout (one flat float array, PyTorch-compatible so weights can be compared with libtorch):
/// for each layer l = 0..Layers-1: W_ih (G·H × I_l, row-major), W_hh (G·H × H), b_ih (G·H), b_hh (G·H),
/// where I_0 = InputSize, I_l = HiddenSize for l &gt; 0 and G = 1 (RNN), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n);
/// then the head: W_out (O × H), b_out (O), with O = HeadOutputSize.
/// State layout per key (StateSize floats): for each layer, h (H floats), then for LSTM c (H floats).
/// </remarks>
public sealed record ModelShape(CellKind Cell, int InputSize, int HiddenSize, int Layers, HeadKind Head)
{
    /// <summary>Floats of recurrent state per key, all layers.</summary>
    public int StateSize => throw new NotImplementedException();

    /// <summary>Outputs of the head: 1 (Linear, Binary) or 2 (Gaussian: mean, log-variance).</summary>
    public int HeadOutputSize => throw new NotImplementedException();

    /// <summary>Number of gate blocks G per layer: 1, 4 or 3.</summary>
    public int GateCount => throw new NotImplementedException();

    /// <summary>Total number of parameters.</summary>
    public int ParameterCount => throw new NotImplementedException();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field if any size is not positive or an enum is unknown.</summary>
    public void Validate() => throw new NotImplementedException();
}
