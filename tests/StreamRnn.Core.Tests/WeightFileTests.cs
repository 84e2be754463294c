namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]

public sealed class WeightFileTests
{
    private static readonly ModelShape Shape = new(CellKind.Gru, 4, 6, 2, HeadKind.Gaussian);

    private static byte[] Bytes(ModelWeights weights)
    {
        using var stream = new MemoryStream();
        weights.WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public void RoundTripKeepsEverythingBitForBit()
    {
        var original = ModelWeights.Initialize(Shape, seed: 3, version: 42);
        byte[] bytes = Bytes(original);
        Assert.Equal(32 + 4 * Shape.ParameterCount + 4, bytes.Length);
        Assert.Equal("SRNN"u8.ToArray(), bytes[..4]);

        var read = ModelWeights.ReadFrom(new MemoryStream(bytes), Shape);
        Assert.Equal(Shape, read.Shape);
        Assert.Equal(42, read.Version);
        TestValues.BitEqual(original.Parameters, read.Parameters, "parameters");

        var network = new RecurrentNetwork(Shape, 1);
        float[] a = new float[Shape.StateSize], b = new float[Shape.StateSize];
        float[] oa = new float[2], ob = new float[2];
        float[] x = [0.1f, -0.2f, 0.3f, 0.4f];
        network.Step(original, x, a, oa);
        network.Step(read, x, b, ob);
        TestValues.BitEqual(oa, ob, "head output of the read weights");
    }

    [Fact]
    public void InitializationIsDeterministicPerSeed()
    {
        TestValues.BitEqual(ModelWeights.Initialize(Shape, 5).Parameters, ModelWeights.Initialize(Shape, 5).Parameters, "same seed");
        Assert.False(ModelWeights.Initialize(Shape, 5).Parameters.SequenceEqual(ModelWeights.Initialize(Shape, 6).Parameters));
        float bound = 1f / MathF.Sqrt(Shape.HiddenSize);
        foreach (float p in ModelWeights.Initialize(Shape, 5).Parameters)
        {
            Assert.InRange(p, -bound, bound);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(100)]
    [InlineData(-1)]
    public void TruncatedFileSaysTruncated(int length)
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Shape, 1));
        byte[] cut = bytes[..(length < 0 ? bytes.Length + length : length)];
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(cut)));
        Assert.StartsWith("Truncated file", e.Message);

        // A stream that cannot seek is caught while reading, not by its length.
        e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new ForwardOnlyStream(cut)));
        Assert.StartsWith("Truncated file", e.Message);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(100)]
    [InlineData(-2)]
    [InlineData(20)]
    public void CorruptedByteSaysChecksumMismatch(int position)
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Shape, 1));
        bytes[position < 0 ? bytes.Length + position : position] ^= 0x10;
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes)));
        Assert.StartsWith("Checksum mismatch", e.Message);
    }

    [Fact]
    public void WrongMagicSaysBadMagic()
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Shape, 1));
        bytes[0] = (byte)'X';
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes)));
        Assert.StartsWith("Bad magic", e.Message);
    }

    [Fact]
    public void UnknownFormatVersionSaysUnsupported()
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Shape, 1));
        bytes[4] = 3;
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes)));
        Assert.Equal("Unsupported format version 3; this build reads format versions 1 and 2.", e.Message);
    }

    [Fact]
    public void OtherShapeSaysShapeMismatch()
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Shape, 1));
        var expected = Shape with { HiddenSize = 7 };
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes), expected));
        Assert.StartsWith("Shape mismatch", e.Message);
    }

    [Fact]
    public void ImpossibleHeaderSaysCorruptedHeader()
    {
        byte[] bytes = Bytes(ModelWeights.Initialize(Shape, 1));
        bytes[6] = 9; // no such cell kind
        var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(bytes)));
        Assert.StartsWith("Corrupted header", e.Message);
    }

    [Fact]
    public void FromParametersRejectsNonFiniteValuesNamingTheIndex()
    {
        float[] p = new float[Shape.ParameterCount];
        p[7] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => ModelWeights.FromParameters(Shape, p, 1));
        Assert.Contains("index 7", e.Message);
        p[7] = 0f;
        p[^1] = float.NegativeInfinity;
        e = Assert.Throws<ArgumentException>(() => ModelWeights.FromParameters(Shape, p, 1));
        Assert.Contains($"index {p.Length - 1}", e.Message);
        Assert.Throws<ArgumentException>(() => ModelWeights.FromParameters(Shape, new float[3], 1));
    }

    [Fact]
    public void ShapeCountsFollowTheDocumentedLayout()
    {
        var lstm = new ModelShape(CellKind.Lstm, 8, 64, 2, HeadKind.Gaussian);
        Assert.Equal(2 * 2 * 64, lstm.StateSize);
        Assert.Equal(2, lstm.HeadOutputSize);
        Assert.Equal(4 * 64 * (8 + 64 + 2) + 4 * 64 * (64 + 64 + 2) + 2 * 64 + 2, lstm.ParameterCount);
        Assert.Equal(4 * 64 * (8 + 64 + 2), lstm.HeadParameterOffset - 4 * 64 * (64 + 64 + 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => (lstm with { HiddenSize = 0 }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => (lstm with { Cell = (CellKind)7 }).Validate());
    }

    [Fact]
    public void Crc32MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, StreamRnn.Core.Serialization.Crc32.Compute("123456789"u8));
        var running = new System.IO.Hashing.Crc32();
        running.Append("1234"u8);
        running.Append("56789"u8);
        Assert.Equal(0xCBF43926u, running.GetCurrentHashAsUInt32());
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
