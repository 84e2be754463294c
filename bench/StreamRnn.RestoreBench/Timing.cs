using System.Diagnostics;
using StreamRnn.Benchmarks.Pairing;

namespace StreamRnn.RestoreBench;

/// <summary>
/// Wall-clock and calling-thread CPU seconds of one phase. On a 2-core machine shared with builds the wall clock
/// includes time descheduled; the thread's CPU time (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>; workstation GC runs on
/// the allocating thread, so collections count) is what the work itself costs.
/// </summary>
internal readonly record struct Timing(double WallSeconds, double CpuSeconds)
{
    public static Timing operator +(Timing a, Timing b) => new(a.WallSeconds + b.WallSeconds, a.CpuSeconds + b.CpuSeconds);

    /// <summary>A start mark: pass it to <see cref="Since"/>.</summary>
    public static (long Wall, long Cpu) Start() => (Stopwatch.GetTimestamp(), ThreadCpuNanoseconds());

    public static Timing Since((long Wall, long Cpu) start) =>
        new(Stopwatch.GetElapsedTime(start.Wall).TotalSeconds, (ThreadCpuNanoseconds() - start.Cpu) / 1e9);

    // The same thread clock the core benchmarks use (linked from bench/StreamRnn.Benchmarks/Pairing).
    private static long ThreadCpuNanoseconds() => ThreadCpuClock.IsAvailable ? ThreadCpuClock.Nanoseconds() : 0;
}
