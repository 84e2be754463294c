using System.Buffers.Binary;
using System.Runtime.InteropServices;
using StreamRnn.Core.Serialization;
using StreamRnn.Engine.Forecasting;

namespace StreamRnn.Engine.State;

/// <summary>
/// The changelog value of one key: a compact, versioned, checksummed binary image of its slot.
/// </summary>
/// <remarks>
/// Layout (little-endian), format version 1:
/// <code>
///  0  "SRKS" magic              4  u16 format version       6  u16 flags (0)
///  8  u64 layout fingerprint (model shape, feature transforms and widths, target transform, horizon)
/// 16  i32 partition            20  i32 state floats        24  i32 statistic doubles
/// 28  i32 previous doubles     32  i32 pending doubles     36  i32 window floats
/// 40  i32 window doubles       44  i32 window fill (steps of the training window so far)
/// 48  i64 last applied offset  56  i64 last event time ms  64  i64 steps
/// 72  i64 last seen (wall ms)  80  i64 last model version
/// 88  f64 last prediction mean 96  f64 last prediction spread
/// 104 f32 × state, f32 × training window (start state, inputs, targets, weights),
///     f64 × statistics (n, μ, σ² each), f64 × previous raw values, f64 × pending predictions,
///     f64 × training window target scales (μ, σ per step)
///     then, only with flag 2 (the pipeline has a Linear path): i32 n, n × f64 of the key's <see cref="LinearCombiner"/>
///     state (weights, covariance, calibration, recent values, pending forecasts; from layout 2, whose version is its
///     fourth double, also the guard's losses, the network-free AR and the calibrated interval multipliers; from
///     layout 3 also the guard's evidence and the AR without forgetting; layouts 1 and 2 restore their layout-1 prefix)
///     then, only with flag 1 (the pipeline has alert rules): i32 n, n bytes of extension state (see
///     <see cref="IKeyStateExtension"/>; 56 bytes of alert state, <see cref="KeyAlertStateFormat"/>)
/// end u32 CRC-32 of everything before it
/// </code>
/// Floats and doubles are copied as raw bits, so restoring gives bit-identical state. Records without flag 1 are
/// byte-identical to those written before the extension existed; a section of another length than this pipeline's
/// (alert rules added or removed since) is ignored on restore: the key's alerts start idle. Likewise a record without
/// flag 2, or with a linear section of another length (written before the Linear path existed, or with other Linear
/// settings), restores everything else and starts the key's linear path afresh at its persistence prior. A layout-1
/// linear section (before the guard; version double 0) of this pipeline's settings restores into the layout-2 prefix:
/// the weights, calibration and history carry over, the guard and the interval multipliers start afresh.
/// </remarks>
internal sealed class KeyStateCodec
{
    public const int HeaderBytes = 104;
    public const ushort FormatVersion = 1;
    private const uint Magic = 0x534B5253; // "SRKS" read as little-endian u32
    private const ushort ExtensionFlag = 1;
    private const ushort LinearFlag = 2;
    private const int MaxLinearDoubles = 1 << 20;
    private const int MaxExtensionBytes = 1 << 16;

    private readonly KeyStateStore _store;
    private readonly ulong _fingerprint;
    private readonly byte[] _buffer;

    /// <param name="extensionBytes">Bytes of extension state per key (0 = none, no section written).</param>
    public KeyStateCodec(KeyStateStore store, ulong fingerprint, int extensionBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extensionBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(extensionBytes, MaxExtensionBytes);
        _store = store;
        _fingerprint = fingerprint;
        ExtensionBytes = extensionBytes;
        RecordBytes = HeaderBytes + 4 * (store.StateSize + store.WindowFloatWidth)
            + 8 * (store.StatisticWidth + store.PreviousWidth + store.PendingWidth + store.WindowDoubleWidth)
            + (store.LinearWidth > 0 ? 4 + 8 * store.LinearWidth : 0)
            + (extensionBytes > 0 ? 4 + extensionBytes : 0) + 4;
        _buffer = new byte[RecordBytes];
    }

    /// <summary>Bytes of one encoded key.</summary>
    public int RecordBytes { get; }

    /// <summary>Bytes of the extension section's state (0 = no section).</summary>
    public int ExtensionBytes { get; }

    /// <summary>Where the extension state comes from and goes to; zeros are written while none is attached.</summary>
    public IKeyStateExtension? Extension { get; set; }

    /// <summary>Encodes a slot into a buffer reused by the next call.</summary>
    public ReadOnlySpan<byte> Encode(int slot)
    {
        var s = _store;
        Span<byte> b = _buffer;
        BinaryPrimitives.WriteUInt32LittleEndian(b, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(b[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(b[6..],
            (ushort)((ExtensionBytes > 0 ? ExtensionFlag : 0) | (s.LinearWidth > 0 ? LinearFlag : 0)));
        BinaryPrimitives.WriteUInt64LittleEndian(b[8..], _fingerprint);
        BinaryPrimitives.WriteInt32LittleEndian(b[16..], s.Partition[slot]);
        BinaryPrimitives.WriteInt32LittleEndian(b[20..], s.StateSize);
        BinaryPrimitives.WriteInt32LittleEndian(b[24..], s.StatisticWidth);
        BinaryPrimitives.WriteInt32LittleEndian(b[28..], s.PreviousWidth);
        BinaryPrimitives.WriteInt32LittleEndian(b[32..], s.PendingWidth);
        BinaryPrimitives.WriteInt32LittleEndian(b[36..], s.WindowFloatWidth);
        BinaryPrimitives.WriteInt32LittleEndian(b[40..], s.WindowDoubleWidth);
        BinaryPrimitives.WriteInt32LittleEndian(b[44..], s.WindowFill[slot]);
        BinaryPrimitives.WriteInt64LittleEndian(b[48..], s.LastOffset[slot]);
        BinaryPrimitives.WriteInt64LittleEndian(b[56..], s.LastEventTime[slot]);
        BinaryPrimitives.WriteInt64LittleEndian(b[64..], s.Steps[slot]);
        BinaryPrimitives.WriteInt64LittleEndian(b[72..], s.LastSeen[slot]);
        BinaryPrimitives.WriteInt64LittleEndian(b[80..], s.LastModelVersion[slot]);
        BinaryPrimitives.WriteDoubleLittleEndian(b[88..], s.LastMean[slot]);
        BinaryPrimitives.WriteDoubleLittleEndian(b[96..], s.LastSpread[slot]);
        int offset = HeaderBytes;
        offset = WriteFloats(b, offset, s.State(slot));
        offset = WriteFloats(b, offset, s.WindowFloatsOf(slot));
        offset = WriteDoubles(b, offset, s.StatisticsOf(slot));
        offset = WriteDoubles(b, offset, s.PreviousOf(slot));
        offset = WriteDoubles(b, offset, s.PendingOf(slot));
        offset = WriteDoubles(b, offset, s.WindowDoublesOf(slot));
        if (s.LinearWidth > 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b[offset..], s.LinearWidth);
            offset = WriteDoubles(b, offset + 4, s.LinearOf(slot));
        }

        if (ExtensionBytes > 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b[offset..], ExtensionBytes);
            var extension = b.Slice(offset + 4, ExtensionBytes);
            if (Extension is { } owner)
            {
                owner.Write(s.Keys[slot]!, extension);
            }
            else
            {
                extension.Clear();
            }

            offset += 4 + ExtensionBytes;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(b[offset..], Crc32.Compute(b[..offset]));
        return b[..(offset + 4)];
    }

    /// <summary>Throws <see cref="StateFormatException"/> saying what is wrong, or returns when the value can be applied.</summary>
    /// <param name="value">One key's changelog value.</param>
    /// <param name="checksumCovered">
    /// True when the caller has already verified a checksum over bytes that include this value (a snapshot's, over the
    /// whole file): the value's own CRC is then not recomputed, which saves a pass over every byte of a snapshot.
    /// </param>
    public void Validate(ReadOnlySpan<byte> value, bool checksumCovered = false)
    {
        if (value.Length < HeaderBytes + 4)
        {
            throw new StateFormatException($"Key state is truncated: {value.Length} bytes, a record has at least {HeaderBytes + 4}.");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(value) != Magic)
        {
            throw new StateFormatException("Key state has a bad magic number (not a StreamRnn key state record).");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(value[4..]);
        if (version != FormatVersion)
        {
            throw new StateFormatException($"Key state has unsupported format version {version} (this build reads {FormatVersion}).");
        }

        int stateFloats = BinaryPrimitives.ReadInt32LittleEndian(value[20..]);
        int statistics = BinaryPrimitives.ReadInt32LittleEndian(value[24..]);
        int previous = BinaryPrimitives.ReadInt32LittleEndian(value[28..]);
        int pending = BinaryPrimitives.ReadInt32LittleEndian(value[32..]);
        int windowFloats = BinaryPrimitives.ReadInt32LittleEndian(value[36..]);
        int windowDoubles = BinaryPrimitives.ReadInt32LittleEndian(value[40..]);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(value[6..]);
        if ((flags & ~(ExtensionFlag | LinearFlag)) != 0)
        {
            throw new StateFormatException($"Key state has unknown flags {flags:X4} (this build knows {ExtensionFlag | LinearFlag:X4}).");
        }

        long dataEnd = HeaderBytes + 4L * ((long)stateFloats + windowFloats)
            + 8L * ((long)statistics + previous + pending + windowDoubles);
        if ((flags & LinearFlag) != 0 && dataEnd >= HeaderBytes && dataEnd + 4 <= value.Length)
        {
            int linear = BinaryPrimitives.ReadInt32LittleEndian(value[(int)dataEnd..]);
            if (linear is < 0 or > MaxLinearDoubles)
            {
                throw new StateFormatException($"Key state has a linear section of {linear} doubles.");
            }

            dataEnd += 4 + 8L * linear;
        }

        long expected = dataEnd + 4;
        if ((flags & ExtensionFlag) != 0 && dataEnd >= HeaderBytes && dataEnd + 4 <= value.Length)
        {
            int extension = BinaryPrimitives.ReadInt32LittleEndian(value[(int)dataEnd..]);
            if (extension is < 0 or > MaxExtensionBytes)
            {
                throw new StateFormatException($"Key state has an extension section of {extension} bytes.");
            }

            expected += 4 + extension;
        }

        if (stateFloats < 0 || statistics < 0 || previous < 0 || pending < 0 || windowFloats < 0 || windowDoubles < 0
            || expected != value.Length)
        {
            throw new StateFormatException(expected > value.Length
                ? $"Key state is truncated: {value.Length} of {expected} bytes."
                : $"Key state has {value.Length} bytes where its header announces {expected}.");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(value[^4..]);
        uint computed = checksumCovered ? stored : Crc32.Compute(value[..^4]);
        if (stored != computed)
        {
            throw new StateFormatException($"Key state checksum mismatch (stored {stored:X8}, computed {computed:X8}): the record is corrupted.");
        }

        ulong fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(value[8..]);
        if (fingerprint != _fingerprint || stateFloats != _store.StateSize || statistics != _store.StatisticWidth
            || previous != _store.PreviousWidth || pending != _store.PendingWidth
            || windowFloats != _store.WindowFloatWidth || windowDoubles != _store.WindowDoubleWidth)
        {
            throw new StateFormatException(
                $"Key state was written for another model shape or feature layout (fingerprint {fingerprint:X16} with " +
                $"{stateFloats} state floats, expected {_fingerprint:X16} with {_store.StateSize}).");
        }

        int fill = BinaryPrimitives.ReadInt32LittleEndian(value[44..]);
        if (fill < 0 || (windowFloats == 0 ? fill != 0 : fill >= windowDoubles / 2))
        {
            throw new StateFormatException($"Key state has a training window fill of {fill}, outside its window.");
        }
    }

    /// <summary>Copies a validated value into <paramref name="slot"/> (the partition is the caller's).</summary>
    public void Apply(ReadOnlySpan<byte> value, int slot)
    {
        var s = _store;
        s.WindowFill[slot] = BinaryPrimitives.ReadInt32LittleEndian(value[44..]);
        s.LastOffset[slot] = BinaryPrimitives.ReadInt64LittleEndian(value[48..]);
        s.LastEventTime[slot] = BinaryPrimitives.ReadInt64LittleEndian(value[56..]);
        s.Steps[slot] = BinaryPrimitives.ReadInt64LittleEndian(value[64..]);
        s.LastSeen[slot] = BinaryPrimitives.ReadInt64LittleEndian(value[72..]);
        s.LastModelVersion[slot] = BinaryPrimitives.ReadInt64LittleEndian(value[80..]);
        s.LastMean[slot] = BinaryPrimitives.ReadDoubleLittleEndian(value[88..]);
        s.LastSpread[slot] = BinaryPrimitives.ReadDoubleLittleEndian(value[96..]);
        int offset = HeaderBytes;
        offset = ReadFloats(value, offset, s.StateMutable(slot));
        offset = ReadFloats(value, offset, s.WindowFloatsOf(slot));
        offset = ReadDoubles(value, offset, s.StatisticsOf(slot));
        offset = ReadDoubles(value, offset, s.PreviousOf(slot));
        offset = ReadDoubles(value, offset, s.PendingOf(slot));
        offset = ReadDoubles(value, offset, s.WindowDoublesOf(slot));
        if ((BinaryPrimitives.ReadUInt16LittleEndian(value[6..]) & LinearFlag) != 0)
        {
            int linear = BinaryPrimitives.ReadInt32LittleEndian(value[offset..]);
            double version = linear > LinearCombiner.LayoutVersionIndex
                ? BinaryPrimitives.ReadDoubleLittleEndian(value[(offset + 4 + 8 * LinearCombiner.LayoutVersionIndex)..])
                : double.NaN;
            if (linear == s.LinearWidth && version == LinearCombiner.LayoutVersion)
            {
                ReadDoubles(value, offset + 4, s.LinearOf(slot));
            }
            else if (s.LinearLegacyWidth > LinearCombiner.LayoutVersionIndex
                && ((linear == s.LinearLegacyWidth && version == 0) || (linear == s.LinearLayout2Width && version == 2)))
            {
                // A layout-1 section (written before the guard) or a layout-2 one (before the guard's evidence and its
                // second AR candidate): its first LinearLegacyWidth doubles are this layout's prefix (weights,
                // calibration, history); the guard part starts afresh and the version slot says this layout.
                s.ResetLinear(slot);
                var linearState = s.LinearOf(slot);
                double layout = linearState[LinearCombiner.LayoutVersionIndex];
                ReadDoubles(value, offset + 4, linearState[..s.LinearLegacyWidth]);
                linearState[LinearCombiner.LayoutVersionIndex] = layout;
            }
            else
            {
                s.ResetLinear(slot);
            }

            offset += 4 + 8 * linear;
        }
        else
        {
            s.ResetLinear(slot);
        }

        if (Extension is { } owner)
        {
            bool present = (BinaryPrimitives.ReadUInt16LittleEndian(value[6..]) & ExtensionFlag) != 0;
            int length = present ? BinaryPrimitives.ReadInt32LittleEndian(value[offset..]) : 0;
            // A shorter section is an older build's layout of the same owner (e.g. alert state before k-of-n): it reads it.
            if (present && length > 0 && length <= ExtensionBytes)
            {
                owner.Read(s.Keys[slot]!, value.Slice(offset + 4, length));
            }
            else
            {
                owner.Forget(s.Keys[slot]!);
            }
        }
    }

    /// <summary>The last applied input offset written in a validated value.</summary>
    public static long AppliedOffsetOf(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt64LittleEndian(value[48..]);

    /// <summary>The partition written in a validated value.</summary>
    public static int PartitionOf(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadInt32LittleEndian(value[16..]);

    private static int WriteFloats(Span<byte> b, int offset, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(b[offset..]);
            return offset + 4 * values.Length;
        }

        foreach (float v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b[offset..], v);
            offset += 4;
        }

        return offset;
    }

    private static int WriteDoubles(Span<byte> b, int offset, ReadOnlySpan<double> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(b[offset..]);
            return offset + 8 * values.Length;
        }

        foreach (double v in values)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(b[offset..], v);
            offset += 8;
        }

        return offset;
    }

    private static int ReadFloats(ReadOnlySpan<byte> b, int offset, Span<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            b.Slice(offset, 4 * values.Length).CopyTo(MemoryMarshal.AsBytes(values));
            return offset + 4 * values.Length;
        }

        for (int i = 0; i < values.Length; i++, offset += 4)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(b[offset..]);
        }

        return offset;
    }

    private static int ReadDoubles(ReadOnlySpan<byte> b, int offset, Span<double> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            b.Slice(offset, 8 * values.Length).CopyTo(MemoryMarshal.AsBytes(values));
            return offset + 8 * values.Length;
        }

        for (int i = 0; i < values.Length; i++, offset += 8)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(b[offset..]);
        }

        return offset;
    }
}
