using System.Globalization;

namespace StreamRnn.LoadTest.Measurement;

/// <summary>Nanoseconds the calling thread has spent on a CPU (Linux /proc/thread-self/schedstat), or -1 where unavailable.</summary>
public static class ThreadCpuClock
{
    public static long Nanoseconds()
    {
        try
        {
            string text = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(text.AsSpan(0, text.IndexOf(' ')), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }
}
