using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StreamRnn.RestoreBench;

/// <summary>
/// Wall-clock and calling-thread CPU seconds of one phase. On a 2-core machine shared with builds the wall clock
/// includes time descheduled; the thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>; workstation GC runs on
/// the allocating thread, so collections count) is what the work itself costs.
/// </summary>
internal readonly partial record struct Timing(double WallSeconds, double CpuSeconds)
{
    private const int ClockThreadCpuTimeId = 3;

    public static Timing operator +(Timing a, Timing b) => new(a.WallSeconds + b.WallSeconds, a.CpuSeconds + b.CpuSeconds);

    /// <summary>A start mark: pass it to <see cref="Since"/>.</summary>
    public static (long Wall, long Cpu) Start() => (Stopwatch.GetTimestamp(), ThreadCpuNanoseconds());

    public static Timing Since((long Wall, long Cpu) start) =>
        new(Stopwatch.GetElapsedTime(start.Wall).TotalSeconds, (ThreadCpuNanoseconds() - start.Cpu) / 1e9);

    private static long ThreadCpuNanoseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        if (ClockGetTime(ClockThreadCpuTimeId, out TimeSpec time) != 0)
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
