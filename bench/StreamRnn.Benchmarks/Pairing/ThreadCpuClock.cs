using System.Runtime.InteropServices;

namespace StreamRnn.Benchmarks.Pairing;

/// <summary>CPU time consumed by the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>), in nanoseconds.</summary>
/// <remarks>
/// Time spent descheduled does not count, which is what makes it usable on a 2-core machine shared with builds: a
/// single-threaded computation's thread CPU time is its undisturbed duration, plus only second-order effects (caches
/// warmed by others). It cannot time multi-threaded work: other threads' CPU time is not included.
/// </remarks>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>True where the clock can be read (Linux).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux();

    /// <summary>The calling thread's CPU time so far.</summary>
    public static long Nanoseconds()
    {
        if (ClockGetTime(ClockThreadCpuTimeId, out var time) != 0)
        {
            throw new InvalidOperationException($"clock_gettime failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return (time.Seconds * 1_000_000_000L) + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
