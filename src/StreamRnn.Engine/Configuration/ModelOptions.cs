using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>The recurrent network of a pipeline. The input size follows from the features.</summary>
public sealed class ModelOptions
{
    public CellKind Cell { get; set; } = CellKind.Lstm;
    public int HiddenSize { get; set; } = 32;
    public int Layers { get; set; } = 1;
    public HeadKind Head { get; set; } = HeadKind.Gaussian;

    /// <summary>Seed of the initial weights, so every instance starts from the same version 1.</summary>
    public int Seed { get; set; } = 1;
}
