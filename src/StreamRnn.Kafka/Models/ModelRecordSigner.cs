using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace StreamRnn.Kafka.Models;

/// <summary>
/// HMAC-SHA256 of a model-topic record, carried in its <see cref="HeaderName"/> header: anyone who may write the
/// topic but does not hold <c>ModelTopic:SigningKey</c> cannot make instances adopt weights. The MAC covers the key's
/// length, the key (the publishing instance) and the value (format header and weights, version included), so a record
/// cannot be replayed under another instance's name.
/// </summary>
public sealed class ModelRecordSigner
{
    public const string HeaderName = "streamrnn.signature";

    private readonly byte[] _secret;

    public ModelRecordSigner(string signingKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingKey);
        _secret = Encoding.UTF8.GetBytes(signingKey);
    }

    /// <summary>The 32-byte MAC of a record.</summary>
    public byte[] Sign(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _secret);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, key.Length);
        hmac.AppendData(length);
        hmac.AppendData(key);
        hmac.AppendData(value);
        return hmac.GetHashAndReset();
    }

    /// <summary>True when <paramref name="signature"/> is the record's MAC (compared in constant time).</summary>
    public bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ReadOnlySpan<byte> signature) =>
        signature.Length == HMACSHA256.HashSizeInBytes
        && CryptographicOperations.FixedTimeEquals(Sign(key, value), signature);
}
