namespace StreamRnn.LoadTest.Contenders;

public enum ContenderKind
{
    /// <summary>The bare consume→produce loop.</summary>
    Passthrough,

    /// <summary>The daemon's StreamProcessor with the LSTM H = 32 pipeline.</summary>
    Daemon,
}
