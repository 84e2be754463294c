namespace StreamRnn.Core;

/// <summary>The recurrent cell of every layer of a network.</summary>
public enum CellKind : byte
{
    /// <summary>Elman RNN: <c>h' = tanh(W_ih x + b_ih + W_hh h + b_hh)</c>.</summary>
    Rnn = 1,
    /// <summary>LSTM with gates i, f, g, o (PyTorch order).</summary>
    Lstm = 2,
    /// <summary>GRU with gates r, z, n (PyTorch convention).</summary>
    Gru = 3,
}
