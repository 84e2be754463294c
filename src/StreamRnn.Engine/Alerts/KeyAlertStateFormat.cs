using System.Buffers.Binary;

namespace StreamRnn.Engine.Alerts;

/// <summary>
/// One key's <see cref="KeyAlertState"/> as the 56 bytes it takes in the key's changelog value, so an alert open when
/// a daemon stops is restored with the key (not forgotten, not raised a second time for the same episode).
/// </summary>
/// <remarks>
/// Layout (little-endian):
/// <code>
///  0 u8 present (0 = no rule state for the key: never seen, or forgotten)   1 u8 raised (0/1)
///  2 u8 severity of the raised alert (0 none, 1 Severity, 2 CriticalSeverity)   3 u8 disarmed (0/1)
///  4 i32 armed: run of readings ≥ Threshold; disarmed: run of readings &lt; ClearThreshold (arming)
///  8 i64 cooldown end (Unix ms)
/// 16 i64 last reading's event time     24 f64 last reading's q      32 i64 last reading's model version
/// 40 u64 k-of-n history (<see cref="KeyAlertState.Recent"/>; 0 when Alerts:RaiseN is 1)
/// 48 i64 disarmed with a calm run: event time of the run's first reading (<see cref="AlertOptions.ArmAfter"/>), else 0
/// </code>
/// The calm start took bytes 48–55, added after the 48-byte layout: a 48- or 40-byte value of an older build reads a
/// disarmed calm run as starting at its last reading (arming by time waits from there, never earlier), and
/// <see cref="Write"/> into 48 bytes writes that older layout.
/// The history took bytes 40–47, added after the 40-byte layout below: a 40-byte value of an older build reads with an
/// empty history (its readings before the restart do not count towards k), and <see cref="Write"/> into 40 bytes
/// writes that older layout.
/// The severity is stored as its role, not its text: a restored alert clears with the severity names configured now.
/// Arming (<see cref="AlertOptions.ArmReadings"/>) took byte 3, which was always 0 before: a record written before
/// arming existed reads as armed with its run, which is how that build behaved, so the 40 bytes and every older
/// changelog value stay valid. Byte 4 holds the run or the arming count because a state never has both (see
/// <see cref="KeyAlertState"/>).
/// </remarks>
internal static class KeyAlertStateFormat
{
    public const int Bytes = 56;

    /// <summary>The layout before arming by time (no calm start), still read.</summary>
    public const int KofNBytes = 48;

    /// <summary>The layout before k-of-n smoothing (no history), still read.</summary>
    public const int LegacyBytes = 40;

    public static void Write(in KeyAlertState state, AlertOptions options, Span<byte> destination)
    {
        destination[..Math.Min(Bytes, destination.Length)].Clear();
        destination[0] = 1;
        destination[1] = state.IsRaised ? (byte)1 : (byte)0;
        destination[2] = state.RaisedSeverity is null ? (byte)0
            : string.Equals(state.RaisedSeverity, options.Severity, StringComparison.Ordinal) ? (byte)1 : (byte)2;
        destination[3] = state.IsArmed ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], state.IsArmed ? state.Run : state.Calm);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], state.QuietUntilUnixMs);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], state.Last.EventTimeUnixMs);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[24..], state.Last.Probability);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], state.Last.ModelVersion);
        if (destination.Length >= KofNBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[40..], state.Recent);
        }

        if (destination.Length >= Bytes)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination[48..], state.IsArmed ? 0 : state.CalmSinceUnixMs);
        }
    }

    /// <summary>The state written for <paramref name="key"/>, or false when none was (or the bytes make no sense).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, string key, AlertOptions options, out KeyAlertState state)
    {
        state = default;
        if ((source.Length is not (Bytes or KofNBytes or LegacyBytes)) || source[0] != 1 || source[1] > 1 || source[2] > 2 || source[3] > 1)
        {
            return false;
        }

        bool raised = source[1] == 1;
        bool armed = source[3] == 0;
        int count = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        if (count < 0)
        {
            return false;
        }

        string? severity = !raised ? null : source[2] == 2 ? options.CriticalSeverity : options.Severity;
        var last = new AlertReading(key, BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadDoubleLittleEndian(source[24..]), BinaryPrimitives.ReadInt64LittleEndian(source[32..]));
        long calmSince = armed || count == 0 ? 0
            : source.Length == Bytes ? BinaryPrimitives.ReadInt64LittleEndian(source[48..]) : last.EventTimeUnixMs;
        state = new KeyAlertState(raised, armed, armed ? count : 0, armed ? 0 : count,
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]), severity, last, null,
            source.Length >= KofNBytes ? BinaryPrimitives.ReadUInt64LittleEndian(source[40..]) : 0, calmSince);
        return true;
    }
}
