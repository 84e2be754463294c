namespace StreamRnn.Core.Serialization;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib): the checksum of weight files, changelog values,
/// snapshots and the window journal.
/// </summary>
/// <remarks>
/// <see cref="System.IO.Hashing.Crc32"/>, vectorised with carry-less multiplication where the CPU has it (many GB/s:
/// restoring a million keys checksums every value and whole snapshot files). Callers that checksum several pieces
/// use an instance of that class (<c>Append</c>, then <c>GetCurrentHashAsUInt32</c>).
/// </remarks>
public static class Crc32
{
    /// <summary>The CRC of <paramref name="data"/> in one call.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
