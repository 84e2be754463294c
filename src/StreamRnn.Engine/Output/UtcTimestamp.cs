namespace StreamRnn.Engine.Output;

/// <summary>
/// Writes a Unix time in milliseconds as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (UTC), the same text as
/// <c>DateTime.TryFormat</c> with that custom format and the invariant culture, without interpreting a format string
/// per call (that was ~2 % of the engine's CPU per event).
/// </summary>
internal static class UtcTimestamp
{
    /// <summary>Bytes written: always 24.</summary>
    public const int Length = 24;

    /// <summary>Writes <paramref name="unixMilliseconds"/> into <paramref name="destination"/> (at least <see cref="Length"/> bytes).</summary>
    public static int Format(long unixMilliseconds, Span<byte> destination)
    {
        var time = DateTime.UnixEpoch.AddMilliseconds(unixMilliseconds);
        (int year, int month, int day) = time;
        var timeOfDay = time.TimeOfDay;
        _ = destination[Length - 1];
        Digits(destination, 0, year, 4);
        destination[4] = (byte)'-';
        Digits(destination, 5, month, 2);
        destination[7] = (byte)'-';
        Digits(destination, 8, day, 2);
        destination[10] = (byte)'T';
        Digits(destination, 11, timeOfDay.Hours, 2);
        destination[13] = (byte)':';
        Digits(destination, 14, timeOfDay.Minutes, 2);
        destination[16] = (byte)':';
        Digits(destination, 17, timeOfDay.Seconds, 2);
        destination[19] = (byte)'.';
        Digits(destination, 20, timeOfDay.Milliseconds, 3);
        destination[23] = (byte)'Z';
        return Length;
    }

    private static void Digits(Span<byte> destination, int start, int value, int count)
    {
        for (int i = start + count - 1; i >= start; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
