namespace StreamRnn.Core;

/// <summary>
/// An immutable, versioned snapshot of a network's parameters. Safe to share between threads: inference
/// reads one while the trainer builds the next.
/// </summary>
public sealed class ModelWeights
{
    /// <summary>The network shape these parameters belong to.</summary>
    public ModelShape Shape => throw new NotImplementedException();

    /// <summary>Monotonic version number; every prediction names the version that made it.</summary>
    public long Version => throw new NotImplementedException();

    /// <summary>The flat parameters, in the layout described on <see cref="ModelShape"/>.</summary>
    public ReadOnlySpan<float> Parameters => throw new NotImplementedException();

    /// <summary>Deterministic initialisation from a seed (uniform ±1/√H as PyTorch, forget-gate bias 1 for LSTM optional).</summary>
    public static ModelWeights Initialize(ModelShape shape, int seed, long version = 1) => throw new NotImplementedException();

    /// <summary>Copies <paramref name="parameters"/> into a new snapshot. Throws if the length is wrong or any value is not finite.</summary>
    public static ModelWeights FromParameters(ModelShape shape, ReadOnlySpan<float> parameters, long version) => throw new NotImplementedException();

    /// <summary>Writes the binary format: magic, format version, cell, head, sizes, version, parameters, checksum.</summary>
    public void WriteTo(Stream destination) => throw new NotImplementedException();

    /// <summary>Reads the binary format. A truncated, corrupted or unknown file throws <see cref="ModelFormatException"/> saying which.</summary>
    public static ModelWeights ReadFrom(Stream source) => throw new NotImplementedException();
}
