using System.Globalization;
using System.Text;
using StreamRnn.Engine.Output;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]
public sealed class UtcTimestampTests
{
    /// <summary>The same text as DateTime's custom format, from year 1 to 9999, before and after 1970, every millisecond digit.</summary>
    [Fact]
    public void WritesWhatTheCustomDateTimeFormatWrites()
    {
        var random = new Random(17);
        long min = (long)(DateTime.MinValue - DateTime.UnixEpoch).TotalMilliseconds;
        long max = (long)(DateTime.MaxValue - DateTime.UnixEpoch).TotalMilliseconds - 1;
        long[] fixedValues = [0, -1, 1, 999, 1000, 951782400000, 1_764_806_400_123, min, max, -62_135_596_800_000 + 86_400_000];
        Span<byte> buffer = stackalloc byte[UtcTimestamp.Length];
        for (int i = 0; i < 100_000 + fixedValues.Length; i++)
        {
            long ms = i < fixedValues.Length ? fixedValues[i] : random.NextInt64(min, max);
            string expected = DateTime.UnixEpoch.AddMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            int written = UtcTimestamp.Format(ms, buffer);
            Assert.Equal(expected, Encoding.ASCII.GetString(buffer[..written]));
        }
    }
}
