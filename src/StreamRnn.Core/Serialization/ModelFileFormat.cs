using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StreamRnn.Core.Serialization;

/// <summary>
/// The binary weight file, little-endian throughout:
/// <code>
/// offset  size  field
///      0     4  magic "SRNN"
///      4     2  format version (uint16, 1 or 2)
///      6     1  cell kind (byte)
///      7     1  head kind (byte; for Categorical the class count K follows from n)
///      8     4  input size (int32)
///     12     4  hidden size (int32)
///     16     4  layers (int32)
///     20     8  weight version (int64)
///     28     4  parameter count n (int32)
/// version 1 (no highway, one horizon):
///     32    4n  parameters (float32)
///  32+4n     4  CRC-32 of bytes [0, 32+4n)
/// version 2:
///     32     4  highway inputs A (int32, 0..input size)
///     36     4  horizons (int32, at least 1)
///     40    4n  parameters (float32)
///  40+4n     4  CRC-32 of bytes [0, 40+4n)
/// </code>
/// A shape without a highway and with one horizon is written as version 1 (the same bytes as before version 2
/// existed), any other as version 2; both are read, a version-1 file as A = 0 and one horizon.
/// Reading checks, in order: truncation, magic, format version, header consistency, checksum, expected shape,
/// finiteness; each failure is a <see cref="ModelFormatException"/> that says which.
/// </summary>
internal static class ModelFileFormat
{
    public const ushort CurrentFormatVersion = 2;
    private const int HeaderSize = 32;
    private const int ExtendedHeaderSize = 40;
    private static ReadOnlySpan<byte> Magic => "SRNN"u8;

    public static void Write(ModelWeights weights, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var shape = weights.Shape;
        var parameters = weights.Parameters;
        bool extended = shape.HighwayInputs != 0 || shape.Horizons != 1;
        int headerSize = extended ? ExtendedHeaderSize : HeaderSize;
        byte[] buffer = new byte[headerSize + 4 * parameters.Length + 4];
        Span<byte> span = buffer;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], extended ? CurrentFormatVersion : (ushort)1);
        span[6] = (byte)shape.Cell;
        span[7] = (byte)shape.Head;
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], shape.InputSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], shape.HiddenSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], shape.Layers);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], weights.Version);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], parameters.Length);
        if (extended)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[32..], shape.HighwayInputs);
            BinaryPrimitives.WriteInt32LittleEndian(span[36..], shape.Horizons);
        }

        var body = span.Slice(headerSize, 4 * parameters.Length);
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(parameters).CopyTo(body);
        }
        else
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(body[(4 * i)..], parameters[i]);
            }
        }

        uint crc = Crc32.Compute(span[..(headerSize + body.Length)]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(headerSize + body.Length)..], crc);
        destination.Write(buffer);
    }

    public static ModelWeights Read(Stream source, ModelShape? expected)
    {
        ArgumentNullException.ThrowIfNull(source);
        Span<byte> header = stackalloc byte[ExtendedHeaderSize];
        ReadOrThrowTruncated(source, header[..4], "the magic number");
        if (!header[..4].SequenceEqual(Magic))
        {
            throw new ModelFormatException(
                $"Bad magic: expected \"SRNN\" but found bytes {Convert.ToHexString(header[..4])}; this is not a StreamRnn weight file.");
        }

        ReadOrThrowTruncated(source, header[4..6], "the format version");
        ushort format = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (format is not (1 or CurrentFormatVersion))
        {
            throw new ModelFormatException($"Unsupported format version {format}; this build reads format versions 1 and {CurrentFormatVersion}.");
        }

        header = header[..(format == 1 ? HeaderSize : ExtendedHeaderSize)];
        ReadOrThrowTruncated(source, header[6..], "the header");
        var shape = new ModelShape(
            (CellKind)header[6], BinaryPrimitives.ReadInt32LittleEndian(header[8..]), BinaryPrimitives.ReadInt32LittleEndian(header[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[16..]), (HeadKind)header[7],
            HighwayInputs: format == 1 ? 0 : BinaryPrimitives.ReadInt32LittleEndian(header[32..]),
            Horizons: format == 1 ? 1 : BinaryPrimitives.ReadInt32LittleEndian(header[36..]));
        long version = BinaryPrimitives.ReadInt64LittleEndian(header[20..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
        if (shape.Horizons < 1 || shape.HighwayInputs < 0 || shape.HighwayInputs > shape.InputSize)
        {
            throw new ModelFormatException(
                $"Corrupted header: highway inputs {shape.HighwayInputs} (0..input size {shape.InputSize}) or horizons {shape.Horizons} (at least 1) out of range.");
        }

        try
        {
            shape = WithClasses(shape, count);
            shape.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ModelFormatException($"Corrupted header: {e.Message}");
        }

        if (count != shape.ParameterCount)
        {
            throw new ModelFormatException($"Corrupted header: parameter count {count} does not match the shape {shape} ({shape.ParameterCount}).");
        }

        long needed = 4L * count + 4;
        if (source.CanSeek && source.Length - source.Position < needed)
        {
            throw new ModelFormatException(
                $"Truncated file: the parameters and checksum need {needed} bytes after the header but only {source.Length - source.Position} remain.");
        }

        byte[] body = new byte[needed];
        ReadOrThrowTruncated(source, body, "the parameters and checksum");
        var running = new System.IO.Hashing.Crc32();
        running.Append(header);
        running.Append(body.AsSpan(0, 4 * count));
        uint crc = running.GetCurrentHashAsUInt32();
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(4 * count));
        if (crc != stored)
        {
            throw new ModelFormatException($"Checksum mismatch: stored CRC-32 0x{stored:X8}, computed 0x{crc:X8}; the file is corrupted.");
        }

        if (expected is not null && !ModelWeights.CanWidenHighway(shape, expected))
        {
            throw new ModelFormatException($"Shape mismatch: the file holds {shape} but {expected} was expected.");
        }

        float[] parameters = new float[count];
        for (int i = 0; i < count; i++)
        {
            parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(body.AsSpan(4 * i));
            if (!float.IsFinite(parameters[i]))
            {
                throw new ModelFormatException($"Non-finite parameter {parameters[i]} at index {i}.");
            }
        }

        var weights = ModelWeights.Adopt(shape, parameters, version);
        return expected is null ? weights : weights.WidenHighway(expected);
    }

    /// <summary>
    /// A Categorical head's class count K is not in the header: it follows from the parameter count
    /// (n = head offset + K·(H + 1)), so the layout above is unchanged and files of the other heads read as before.
    /// </summary>
    private static ModelShape WithClasses(ModelShape shape, int count)
    {
        if (shape.Head != HeadKind.Categorical)
        {
            return shape;
        }

        var bare = shape with { Head = HeadKind.Linear, HighwayInputs = 0 };
        bare.Validate();
        long headParameters = (long)count - bare.HeadParameterOffset;
        long perClass = shape.HiddenSize + 1L + shape.HighwayInputs;
        int classes = headParameters > 0 && headParameters % perClass == 0 && headParameters / perClass <= ModelShape.MaxClasses
            ? (int)(headParameters / perClass) : 0;
        return shape with { Classes = classes };
    }

    private static void ReadOrThrowTruncated(Stream source, Span<byte> destination, string what)
    {
        int read = source.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        if (read < destination.Length)
        {
            throw new ModelFormatException($"Truncated file: the stream ended after {read} of the {destination.Length} bytes of {what}.");
        }
    }
}
