using System.Buffers.Binary;
using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// One published weight version on a pipeline's model topic. Key: the publishing instance's id (the topic is
/// compacted, so the latest version of every instance survives). Value: magic "SRMT", format version, windows trained
/// into this version since its instance's last merge (its weight in a merge; 0 for a merged version), then the weights
/// in the core's own checksummed file format.
/// </summary>
public static class ModelRecord
{
    private const uint Magic = 0x544D5253; // "SRMT"
    private const int FormatVersion = 1;
    private const int HeaderBytes = 16;

    public static byte[] Encode(ModelWeights weights, long windowsTrained)
    {
        using var buffer = new MemoryStream();
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[8..], windowsTrained);
        buffer.Write(header);
        weights.WriteTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Decodes a record; a record of another shape or a damaged one throws <see cref="ModelFormatException"/>.</summary>
    public static ModelContribution Decode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ModelShape expected)
    {
        if (value.Length < HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(value) != Magic)
        {
            throw new ModelFormatException("not a StreamRnn model record (bad magic or too short)");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(value[4..]);
        if (version != FormatVersion)
        {
            throw new ModelFormatException($"unsupported model record format version {version}");
        }

        long windows = BinaryPrimitives.ReadInt64LittleEndian(value[8..]);
        using var stream = new MemoryStream(value[HeaderBytes..].ToArray(), writable: false);
        var weights = ModelWeights.ReadFrom(stream, expected);
        return new ModelContribution(Encoding.UTF8.GetString(key), weights, windows);
    }
}
