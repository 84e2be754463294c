using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace StreamRnn.Core.Serialization;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib): the checksum of weight files, changelog values,
/// snapshots and the window journal.
/// </summary>
/// <remarks>
/// <para><see cref="Compute"/> is <see cref="System.IO.Hashing.Crc32"/>'s, vectorised with carry-less multiplication
/// where the CPU has it (many GB/s: restoring a million keys checksums every value and whole snapshot files).
/// For large streams prefer an instance of that class; <see cref="Append"/> keeps a running CRC in a plain
/// <see cref="uint"/> for callers that chain small pieces, eight bytes per step ("slicing-by-8"):
/// <c>crc' = T₇[b₀ ⊕ crc₀] ⊕ T₆[b₁ ⊕ crc₁] ⊕ T₅[b₂ ⊕ crc₂] ⊕ T₄[b₃ ⊕ crc₃] ⊕ T₃[b₄] ⊕ T₂[b₅] ⊕ T₁[b₆] ⊕ T₀[b₇]</c>,
/// where T₀ is the classic table and <c>Tₖ[n] = (Tₖ₋₁[n] ≫ 8) ⊕ T₀[Tₖ₋₁[n] ∧ 0xFF]</c>. Both give the same value.</para>
/// </remarks>
public static class Crc32
{
    private static readonly uint[] Tables = BuildTables();

    public const uint Initial = 0xFFFFFFFFu;

    /// <summary>Feeds <paramref name="data"/> into a running CRC (start from <see cref="Initial"/>; finish with <see cref="Finish"/>).</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(Tables);
        while (data.Length >= 8)
        {
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = Unsafe.Add(ref t, (7 * 256) + (int)(one & 0xFF))
                ^ Unsafe.Add(ref t, (6 * 256) + (int)((one >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, (5 * 256) + (int)((one >> 16) & 0xFF))
                ^ Unsafe.Add(ref t, (4 * 256) + (int)(one >> 24))
                ^ Unsafe.Add(ref t, (3 * 256) + (int)(two & 0xFF))
                ^ Unsafe.Add(ref t, (2 * 256) + (int)((two >> 8) & 0xFF))
                ^ Unsafe.Add(ref t, 256 + (int)((two >> 16) & 0xFF))
                ^ Unsafe.Add(ref t, (int)(two >> 24));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = Unsafe.Add(ref t, (int)((crc ^ b) & 0xFF)) ^ (crc >> 8);
        }

        return crc;
    }

    public static uint Finish(uint crc) => crc ^ 0xFFFFFFFFu;

    /// <summary>The CRC of <paramref name="data"/> in one call (vectorised).</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            tables[n] = c;
        }

        for (int k = 1; k < 8; k++)
        {
            for (int n = 0; n < 256; n++)
            {
                uint previous = tables[((k - 1) * 256) + n];
                tables[(k * 256) + n] = (previous >> 8) ^ tables[(int)(previous & 0xFF)];
            }
        }

        return tables;
    }
}
