using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace StreamRnn.Core.Serialization;

/// <summary>
/// The binary weight file, little-endian throughout:
/// <code>
/// offset  size  field
///      0     4  magic "SRNN"
///      4     2  format version (uint16: 1, or 2 with the two extra header fields below)
///      6     1  cell kind (byte)
///      7     1  head kind (byte; for Categorical the class count K follows from n)
///      8     4  input size (int32)
///     12     4  hidden size (int32)
///     16     4  layers (int32)
///     20     8  weight version (int64)
///     28     4  parameter count n (int32)
///     32    4n  parameters (float32)
///  32+4n     4  CRC-32 of bytes [0, 32+4n)
/// </code>
/// Format version 2 (written only when HighwayInputs ≠ 0 or Horizons ≠ 1; version 1 otherwise, byte-identical to
/// before): the same 32 bytes, then int32 HighwayInputs at offset 32 and int32 Horizons at offset 36, the parameters
/// from offset 40, then the CRC-32 of everything before it. A version-1 file reads as HighwayInputs 0, Horizons 1.
/// Reading checks, in order: truncation, magic, format version, header consistency, checksum, expected shape,
/// finiteness; each failure is a <see cref="ModelFormatException"/> that says which.
/// </summary>
internal static class ModelFileFormat
{
    public const ushort CurrentFormatVersion = 2;
    private const int HeaderSize = 32;
    private const int HeaderSizeV2 = 40;
    private static ReadOnlySpan<byte> Magic => "SRNN"u8;

    public static void Write(ModelWeights weights, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var shape = weights.Shape;
        var parameters = weights.Parameters;
        bool v2 = shape.HighwayInputs != 0 || shape.Horizons != 1;
        int headerSize = v2 ? HeaderSizeV2 : HeaderSize;
        byte[] buffer = new byte[headerSize + 4 * parameters.Length + 4];
        Span<byte> span = buffer;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], v2 ? (ushort)2 : (ushort)1);
        span[6] = (byte)shape.Cell;
        span[7] = (byte)shape.Head;
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], shape.InputSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], shape.HiddenSize);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], shape.Layers);
        BinaryPrimitives.WriteInt64LittleEndian(span[20..], weights.Version);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], parameters.Length);
        if (v2)
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
        Span<byte> header = stackalloc byte[HeaderSizeV2];
        ReadOrThrowTruncated(source, header[..4], "the magic number");
        if (!header[..4].SequenceEqual(Magic))
        {
            throw new ModelFormatException(
                $"Bad magic: expected \"SRNN\" but found bytes {Convert.ToHexString(header[..4])}; this is not a StreamRnn weight file.");
        }

        ReadOrThrowTruncated(source, header[4..6], "the format version");
        ushort format = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (format is not (1 or 2))
        {
            throw new ModelFormatException($"Unsupported format version {format}; this build reads format versions 1 and {CurrentFormatVersion}.");
        }

        int headerSize = format == 2 ? HeaderSizeV2 : HeaderSize;
        header = header[..headerSize];
        ReadOrThrowTruncated(source, header[6..], "the header");
        var shape = new ModelShape(
            (CellKind)header[6], BinaryPrimitives.ReadInt32LittleEndian(header[8..]), BinaryPrimitives.ReadInt32LittleEndian(header[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(header[16..]), (HeadKind)header[7]);
        if (format == 2)
        {
            shape = shape with
            {
                HighwayInputs = BinaryPrimitives.ReadInt32LittleEndian(header[32..]),
                Horizons = BinaryPrimitives.ReadInt32LittleEndian(header[36..]),
            };
        }
        long version = BinaryPrimitives.ReadInt64LittleEndian(header[20..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
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

        if (expected is not null && expected != shape)
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

        return ModelWeights.Adopt(shape, parameters, version);
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

        var bare = shape with { Head = HeadKind.Linear };
        bare.Validate();
        long headParameters = (long)count - bare.HeadParameterOffset;
        long perClass = shape.HiddenSize + 1L;
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
