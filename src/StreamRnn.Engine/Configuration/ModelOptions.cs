using StreamRnn.Core;

namespace StreamRnn.Engine.Configuration;

/// <summary>The recurrent network of a pipeline. The input size follows from the features.</summary>
public sealed class ModelOptions
{
    public CellKind Cell { get; set; } = CellKind.Lstm;
    public int HiddenSize { get; set; } = 32;
    public int Layers { get; set; } = 1;
    public HeadKind Head { get; set; } = HeadKind.Gaussian;

    /// <summary>
    /// The highway (LSTNet's linear autoregressive path): every input of a step also feeds the head linearly
    /// (<c>ModelShape.HighwayInputs</c> = the input size), trained jointly with the recurrent part and starting at 0, so
    /// the network starts as the recurrent one and learns a linear model of the inputs beside it. Off unless set to
    /// true (any head): measured on the dev series it made forecasts 0.2–1.3 % worse (docs/results.md, "Highway").
    /// </summary>
    public bool? Highway { get; set; }

    /// <summary>Whether the highway is on (<see cref="Highway"/> true; off when unset).</summary>
    public bool UsesHighway() => Highway ?? false;

    /// <summary>Seed of the initial weights, so every instance starts from the same version 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>
    /// A model file (model store format, e.g. from <c>streamrnn train</c>) to start from when the state directory holds
    /// no version of this pipeline yet; relative to the content root. Null = the seed's weights (or BootstrapCsv).
    /// </summary>
    public string? File { get; set; }

    /// <summary>
    /// A CSV history to train on at start (the code of <c>streamrnn train</c>) when the state directory holds no version
    /// yet and no File is set; relative to the content root. Null = none.
    /// </summary>
    public string? BootstrapCsv { get; set; }

    /// <summary>BootstrapCsv's record-timestamp column, for EventTime:Source = RecordTimestamp.</summary>
    public string? BootstrapTimeColumn { get; set; }

    /// <summary>BootstrapCsv's record-key column, for Key:Source = RecordKey (default: the file's name).</summary>
    public string? BootstrapKeyColumn { get; set; }
}
