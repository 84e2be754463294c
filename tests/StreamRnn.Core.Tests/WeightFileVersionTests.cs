using System.Buffers.Binary;

namespace StreamRnn.Core.Tests;

/// <summary>
/// Weight file format versions: a shape without a highway and with one horizon is written as version 1, byte for byte
/// the layout before version 2 existed (built here by hand), and such a file still reads; any other shape is version 2
/// (A at offset 32, K at 36, parameters from 40) and round-trips; a version-2 header is checked (A in 0..I, K ≥ 1, n);
/// corruption and truncation of a version-2 file are caught; a version-1 file read for a shape with a highway is widened
/// with W_hw = 0 and gives the same outputs.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WeightFileVersionTests
{
    private static readonly ModelShape Plain = new(CellKind.Lstm, 5, 6, 1, HeadKind.Gaussian);
    private static readonly ModelShape Wide = Plain with { HighwayInputs = 5 };

    private static byte[] Bytes(ModelWeights weights)
    {
        using var stream = new MemoryStream();
        weights.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>A version-1 file as the format defined it before version 2, written field by field.</summary>
    private static byte[] HandWrittenVersion1(ModelShape shape, float[] parameters, long version)
    {
        byte[] bytes = new byte[32 + 4 * parameters.Length + 4];
        "SRNN"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 1);
        bytes[6] = (byte)shape.Cell;
        bytes[7] = (byte)shape.Head;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), shape.InputSize);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), shape.HiddenSize);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), shape.Layers);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), version);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(32 + 4 * i), parameters[i]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), StreamRnn.Core.Serialization.Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }

    /// <summary>Recomputes the trailing CRC after a header edit, so the header check (not the checksum) must catch it.</summary>
    private static void Reseal(byte[] bytes) =>
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), StreamRnn.Core.Serialization.Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

    [Fact]
    public void Without_highway_the_file_is_version_1_byte_for_byte_and_an_old_file_still_reads()
    {
        float[] parameters = TestValues.Uniform(Plain.ParameterCount, 4, 0.5f);
        var weights = ModelWeights.FromParameters(Plain, parameters, 9);
        byte[] old = HandWrittenVersion1(Plain, parameters, 9);
        Assert.Equal(old, Bytes(weights));

        var read = ModelWeights.ReadFrom(new MemoryStream(old));
        Assert.Equal(Plain, read.Shape);
        Assert.Equal(0, read.Shape.HighwayInputs);
        Assert.Equal(1, read.Shape.Horizons);
        Assert.Equal(9, read.Version);
        TestValues.BitEqual(parameters, read.Parameters, "parameters");
    }

    [Fact]
    public void With_highway_the_file_is_version_2_and_round_trips()
    {
        var weights = ModelWeights.FromParameters(Wide, TestValues.Uniform(Wide.ParameterCount, 5, 0.5f), 12);
        byte[] bytes = Bytes(weights);
        Assert.Equal(40 + 4 * Wide.ParameterCount + 4, bytes.Length);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(5, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(36)));
        Assert.Equal(Wide.ParameterCount, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(weights.Parameters[0], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(40)));

        var read = ModelWeights.ReadFrom(new MemoryStream(bytes), Wide);
        Assert.Equal(Wide, read.Shape);
        Assert.Equal(12, read.Version);
        TestValues.BitEqual(weights.Parameters, read.Parameters, "parameters");

        var categorical = new ModelShape(CellKind.Gru, 4, 7, 2, HeadKind.Categorical, 5, HighwayInputs: 3);
        var k = ModelWeights.Initialize(categorical, 2);
        Assert.Equal(categorical, ModelWeights.ReadFrom(new MemoryStream(Bytes(k))).Shape);
    }

    [Fact]
    public void A_version_1_file_read_for_a_shape_with_highway_is_widened_with_zero_highway_weights()
    {
        var weights = ModelWeights.FromParameters(Plain, TestValues.Uniform(Plain.ParameterCount, 6, 0.5f), 3);
        var widened = ModelWeights.ReadFrom(new MemoryStream(Bytes(weights)), Wide);
        Assert.Equal(Wide, widened.Shape);
        Assert.Equal(3, widened.Version);
        TestValues.BitEqual(weights.Parameters, widened.Parameters[..Plain.ParameterCount], "shared parameters");
        Assert.All(widened.Parameters[Plain.ParameterCount..].ToArray(), v => Assert.Equal(0f, v));

        // Never the other way, nor across any other difference.
        byte[] wide = Bytes(ModelWeights.Initialize(Wide, 1));
        Assert.StartsWith("Shape mismatch", Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(wide), Plain)).Message);
        Assert.StartsWith("Shape mismatch", Assert.Throws<ModelFormatException>(
            () => ModelWeights.ReadFrom(new MemoryStream(Bytes(weights)), Wide with { HiddenSize = 7 })).Message);
    }

    [Theory]
    [InlineData(32, 6)] // A > InputSize
    [InlineData(32, -1)] // A < 0
    [InlineData(36, 0)] // K < 1
    [InlineData(28, 7)] // n off
    public void An_inconsistent_version_2_header_says_corrupted_header(int offset, int value)
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Wide, 1));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);
        Reseal(bytes);
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes)));
        Assert.StartsWith("Corrupted header", e.Message);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(37)]
    [InlineData(44)]
    [InlineData(-1)]
    public void A_corrupted_version_2_byte_says_checksum_mismatch(int position)
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Wide, 1));
        bytes[position < 0 ? bytes.Length + position : position] ^= 0x40;
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes)));
        Assert.True(e.Message.StartsWith("Checksum mismatch", StringComparison.Ordinal) || e.Message.StartsWith("Corrupted header", StringComparison.Ordinal), e.Message);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(39)]
    [InlineData(41)]
    [InlineData(-1)]
    public void A_truncated_version_2_file_says_truncated(int length)
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Wide, 1));
        byte[] cut = bytes[..(length < 0 ? bytes.Length + length : length)];
        Assert.StartsWith("Truncated file", Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(cut))).Message);
    }
}
