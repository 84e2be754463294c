using StreamRnn.Core.Cells;
using StreamRnn.Core.LinearAlgebra;
using StreamRnn.Core.Numerics;
using StreamRnn.Core.Serialization;

namespace StreamRnn.Core;

/// <summary>
/// An immutable, versioned snapshot of a network's parameters. Safe to share between threads: inference
/// reads one while the trainer builds the next.
/// </summary>
/// <remarks>
/// Besides the flat parameters, a snapshot holds the same weights packed for the forward kernel (built once here),
/// so a step never transposes or repacks anything. Non-finite parameters are rejected at construction: a snapshot
/// always holds finite values.
/// </remarks>
public sealed class ModelWeights
{
    private readonly float[] _parameters;

    private ModelWeights(ModelShape shape, float[] parameters, long version, bool scratch = false)
    {
        IsScratch = scratch;
        Shape = shape;
        Version = version;
        _parameters = parameters;
        var layers = new PackedLayer[shape.Layers];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = PackedLayer.Create(shape, l, parameters);
        }

        PackedLayers = layers;
    }

    /// <summary>The network shape these parameters belong to.</summary>
    public ModelShape Shape { get; }

    /// <summary>Monotonic version number; every prediction names the version that made it.</summary>
    public long Version { get; private set; }

    /// <summary>
    /// True for a trainer's scratch weights (<see cref="CreateScratch"/>): overwritten in place, so never to be shared
    /// with inference or a registry.
    /// </summary>
    public bool IsScratch { get; }

    /// <summary>The flat parameters, in the layout described on <see cref="ModelShape"/>.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    internal PackedLayer[] PackedLayers { get; }

    /// <summary>
    /// Deterministic initialisation from a seed: every parameter uniform in [−1/√H, 1/√H) as PyTorch does, drawn in
    /// layout order from SplitMix64(seed); for LSTM the forget-gate block of b_ih is then set to 1 and that of b_hh to 0
    /// (total forget bias 1, so the cell remembers by default). The highway W_hw starts at 0 and draws nothing, so every
    /// other parameter gets the same value as for the same shape without a highway: the two networks start identical.
    /// </summary>
    public static ModelWeights Initialize(ModelShape shape, int seed, long version = 1)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        float[] values = new float[shape.ParameterCount];
        var random = new SplitMix64((ulong)(uint)seed ^ 0x5EED5EED00000000UL);
        float bound = 1f / MathF.Sqrt(shape.HiddenSize);
        for (int i = 0; i < shape.HighwayParameterOffset; i++)
        {
            values[i] = random.NextUniform(bound);
        }

        if (shape.Cell == CellKind.Lstm)
        {
            int hidden = shape.HiddenSize;
            int gh = 4 * hidden;
            for (int l = 0; l < shape.Layers; l++)
            {
                int bIh = shape.LayerParameterOffset(l) + gh * (shape.LayerInputSize(l) + hidden);
                values.AsSpan(bIh + hidden, hidden).Fill(1f);
                values.AsSpan(bIh + gh + hidden, hidden).Clear();
            }
        }

        return new ModelWeights(shape, values, version);
    }

    /// <summary>
    /// Copies <paramref name="parameters"/> into a new snapshot. Throws <see cref="ArgumentException"/> if the length is
    /// wrong or any value is not finite (naming the first bad index).
    /// </summary>
    public static ModelWeights FromParameters(ModelShape shape, ReadOnlySpan<float> parameters, long version)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        if (parameters.Length != shape.ParameterCount)
        {
            throw new ArgumentException(
                $"Expected {shape.ParameterCount} parameters for {shape} but got {parameters.Length}.", nameof(parameters));
        }

        int bad = FiniteCheck.IndexOfNonFinite(parameters);
        if (bad >= 0)
        {
            throw new ArgumentException($"Parameter at index {bad} is not finite ({parameters[bad]}).", nameof(parameters));
        }

        return new ModelWeights(shape, parameters.ToArray(), version);
    }

    /// <summary>
    /// Weights a trainer overwrites in place after every optimiser step (<see cref="Overwrite"/>), so that evaluating
    /// and differentiating the current parameters allocates nothing. The one exception to immutability: a scratch
    /// instance belongs to one thread and is never published (<c>ModelRegistry</c> refuses it).
    /// </summary>
    public static ModelWeights CreateScratch(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        return new ModelWeights(shape, new float[shape.ParameterCount], 0, scratch: true);
    }

    /// <summary>
    /// Replaces a scratch instance's parameters and version, repacking them in place. Same checks as
    /// <see cref="FromParameters"/>; throws <see cref="InvalidOperationException"/> on weights that are not scratch.
    /// </summary>
    public void Overwrite(ReadOnlySpan<float> values, long version)
    {
        if (!IsScratch)
        {
            throw new InvalidOperationException("Only scratch weights (ModelWeights.CreateScratch) can be overwritten; a snapshot is immutable.");
        }

        if (values.Length != Shape.ParameterCount)
        {
            throw new ArgumentException($"Expected {Shape.ParameterCount} parameters for {Shape} but got {values.Length}.", nameof(values));
        }

        int bad = FiniteCheck.IndexOfNonFinite(values);
        if (bad >= 0)
        {
            throw new ArgumentException($"Parameter at index {bad} is not finite ({values[bad]}).", nameof(values));
        }

        values.CopyTo(_parameters);
        for (int l = 0; l < PackedLayers.Length; l++)
        {
            PackedLayers[l].Reload(Shape, l, _parameters);
        }

        Version = version;
    }

    /// <summary>Writes the binary format: magic, format version, cell, head, sizes, version, parameters, checksum.</summary>
    public void WriteTo(Stream destination) => ModelFileFormat.Write(this, destination);

    /// <summary>Reads the binary format. A truncated, corrupted or unknown file throws <see cref="ModelFormatException"/> saying which.</summary>
    public static ModelWeights ReadFrom(Stream source) => ModelFileFormat.Read(source, null);

    /// <summary>
    /// Reads the binary format and also checks that the file holds <paramref name="expected"/>; a file of another shape
    /// throws <see cref="ModelFormatException"/> ("Shape mismatch"), except a file without a highway where
    /// <paramref name="expected"/> has one, which is widened (<see cref="WidenHighway"/>: W_hw = 0, the same forecasts).
    /// </summary>
    public static ModelWeights ReadFrom(Stream source, ModelShape expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        return ModelFileFormat.Read(source, expected);
    }

    /// <summary>
    /// True when weights of shape <paramref name="source"/> can serve <paramref name="to"/> through <see cref="WidenHighway"/>:
    /// the same shape, or the same shape without a highway (<c>HighwayInputs = 0</c>) where <paramref name="to"/> has one.
    /// </summary>
    public static bool CanWidenHighway(ModelShape source, ModelShape to)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(to);
        return source == to || (source.HighwayInputs == 0 && source with { HighwayInputs = to.HighwayInputs } == to);
    }

    /// <summary>
    /// These weights for <paramref name="target"/>: this instance when the shapes are equal; for weights without a
    /// highway and a target that has one (otherwise the same shape), a new snapshot of the same version with W_hw = 0, so
    /// its forecasts equal these weights' (a model trained before the highway existed keeps working). Any other
    /// difference throws <see cref="ArgumentException"/>.
    /// </summary>
    public ModelWeights WidenHighway(ModelShape target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target == Shape)
        {
            return this;
        }

        if (!CanWidenHighway(Shape, target))
        {
            throw new ArgumentException($"Weights for {Shape} cannot serve {target}: only a missing highway is widened.", nameof(target));
        }

        target.Validate();
        float[] values = new float[target.ParameterCount];
        _parameters.CopyTo(values, 0);
        return new ModelWeights(target, values, Version);
    }

    /// <summary>Takes ownership of an already validated array (the reader's), without a copy.</summary>
    internal static ModelWeights Adopt(ModelShape shape, float[] parameters, long version) => new(shape, parameters, version);
}
