using System.Buffers;
using System.Buffers.Binary;
using StreamRnn.Core;
using StreamRnn.Core.Serialization;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// The local snapshot file of a partition's keys: writes it, and reads and checks it whole (magic, format version,
/// checksum, layout fingerprint, every key's record) before anything is applied.
/// </summary>
internal sealed class SnapshotFormat(KeyStateStore store, KeyStateCodec codec, ulong layoutFingerprint, TimeProvider time, StateKeyText keyText)
{
    private const int SnapshotHeaderBytes = 36;
    private const ushort SnapshotFormatVersion = 1;
    private const uint SnapshotMagic = 0x4E535253; // "SRSN"
    private const int SnapshotChunkBytes = 1 << 20;

    private readonly KeyStateStore _store = store;
    private readonly KeyStateCodec _codec = codec;
    private readonly TimeProvider _time = time;

    /// <summary>
    /// Writes every key of <paramref name="partition"/> to a local snapshot: "SRSN", format version, layout
    /// fingerprint, partition, key count, creation time, then per key (i32 key length, key, i32 value length,
    /// changelog value), then a CRC-32 of everything before it.
    /// </summary>
    public void Write(int partition, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int count = 0;
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot) && _store.Partition[slot] == partition)
            {
                count++;
            }
        }

        // Streamed through one pooled chunk with a running checksum (the same bytes as building the whole file in
        // memory, which for a million keys meant a buffer doubling up to the file's size, beyond 1 GB with training).
        byte[] chunk = ArrayPool<byte>.Shared.Rent(Math.Max(SnapshotChunkBytes, 8 + RecordDecoder.MaxKeyBytes + _codec.RecordBytes + 4));
        try
        {
            var header = chunk.AsSpan(0, SnapshotHeaderBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header, SnapshotMagic);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], SnapshotFormatVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], layoutFingerprint);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], partition);
            BinaryPrimitives.WriteInt32LittleEndian(header[20..], count);
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], _time.GetUtcNow().ToUnixTimeMilliseconds());
            BinaryPrimitives.WriteInt32LittleEndian(header[32..], _codec.RecordBytes);
            int used = SnapshotHeaderBytes;
            var crc = new System.IO.Hashing.Crc32();
            for (int slot = 0; slot < _store.HighWater; slot++)
            {
                if (!_store.IsUsed(slot) || _store.Partition[slot] != partition)
                {
                    continue;
                }

                byte[] key = _store.KeyBytes[slot]!;
                var value = _codec.Encode(slot);
                int length = 8 + key.Length + value.Length;
                if (chunk.Length - used < length)
                {
                    crc.Append(chunk.AsSpan(0, used));
                    destination.Write(chunk, 0, used);
                    used = 0;
                }

                var span = chunk.AsSpan(used, length);
                BinaryPrimitives.WriteInt32LittleEndian(span, key.Length);
                key.CopyTo(span[4..]);
                BinaryPrimitives.WriteInt32LittleEndian(span[(4 + key.Length)..], value.Length);
                value.CopyTo(span[(8 + key.Length)..]);
                used += length;
            }

            crc.Append(chunk.AsSpan(0, used));
            if (chunk.Length - used < 4)
            {
                destination.Write(chunk, 0, used);
                used = 0;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(used), crc.GetCurrentHashAsUInt32());
            destination.Write(chunk, 0, used + 4);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>
    /// Reads and checks a whole snapshot (magic, format version, checksum, layout, every key's record); a bad one
    /// throws <see cref="StateFormatException"/> saying why. Returns the file's bytes, the partition it was written
    /// for and where each key and value lies in them.
    /// </summary>
    public ReadOnlySpan<byte> Read(Stream source, out int partition,
        out List<(int KeyStart, int KeyLength, int ValueStart, int ValueLength)> entries)
    {
        ArgumentNullException.ThrowIfNull(source);
        var data = ReadWhole(source);
        if (data.Length < SnapshotHeaderBytes + 4)
        {
            throw new StateFormatException($"Snapshot is truncated: {data.Length} bytes, a snapshot has at least {SnapshotHeaderBytes + 4}.");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != SnapshotMagic)
        {
            throw new StateFormatException("Snapshot has a bad magic number (not a StreamRnn state snapshot).");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != SnapshotFormatVersion)
        {
            throw new StateFormatException($"Snapshot has unsupported format version {version} (this build reads {SnapshotFormatVersion}).");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
        uint computed = Crc32.Compute(data[..^4]);
        if (stored != computed)
        {
            throw new StateFormatException($"Snapshot checksum mismatch (stored {stored:X8}, computed {computed:X8}): the file is truncated or corrupted.");
        }

        ulong fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
        if (fingerprint != layoutFingerprint)
        {
            throw new StateFormatException($"Snapshot was written for another model shape or feature layout (fingerprint {fingerprint:X16}, expected {layoutFingerprint:X16}).");
        }

        partition = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(data[20..]);
        entries = new List<(int KeyStart, int KeyLength, int ValueStart, int ValueLength)>(Math.Max(0, Math.Min(count, 1 << 20)));
        int offset = SnapshotHeaderBytes, end = data.Length - 4;
        for (int i = 0; i < count; i++)
        {
            if (end - offset < 4)
            {
                throw new StateFormatException($"Snapshot ends inside key {i} of {count}.");
            }

            int keyLength = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            if (keyLength <= 0 || keyLength > RecordDecoder.MaxKeyBytes || end - offset - 4 < keyLength + 4)
            {
                throw new StateFormatException($"Snapshot key {i} of {count} has a bad length {keyLength}.");
            }

            int valueLength = BinaryPrimitives.ReadInt32LittleEndian(data[(offset + 4 + keyLength)..]);
            int valueStart = offset + 8 + keyLength;
            if (valueLength <= 0 || end - valueStart < valueLength)
            {
                throw new StateFormatException($"Snapshot value {i} of {count} has a bad length {valueLength}.");
            }

            // The file's checksum, verified above, covers every value: each value's own is not recomputed.
            _codec.Validate(data.Slice(valueStart, valueLength), checksumCovered: true);
            keyText.Decode(data.Slice(offset + 4, keyLength));
            entries.Add((offset + 4, keyLength, valueStart, valueLength));
            offset = valueStart + valueLength;
        }

        if (offset != end)
        {
            throw new StateFormatException($"Snapshot has {end - offset} bytes after its {count} keys.");
        }

        return data;
    }

    /// <summary>The rest of <paramref name="source"/> in one array: sized once when the stream knows its length (a file).</summary>
    private static ReadOnlySpan<byte> ReadWhole(Stream source)
    {
        if (source.CanSeek)
        {
            long remaining = source.Length - source.Position;
            if (remaining > Array.MaxLength)
            {
                throw new StateFormatException($"Snapshot of {remaining} bytes is larger than this build reads ({Array.MaxLength}).");
            }

            byte[] data = GC.AllocateUninitializedArray<byte>((int)Math.Max(remaining, 0));
            source.ReadExactly(data);
            return data;
        }

        using var copy = new MemoryStream();
        source.CopyTo(copy);
        return copy.GetBuffer().AsSpan(0, (int)copy.Length);
    }
}
