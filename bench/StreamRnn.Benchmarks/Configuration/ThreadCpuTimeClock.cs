using Perfolizer.Horology;
using StreamRnn.Benchmarks.Pairing;

namespace StreamRnn.Benchmarks.Configuration;

/// <summary>A BenchmarkDotNet clock that reads the measuring thread's CPU time instead of the wall clock.</summary>
/// <remarks>
/// On a 2-core machine shared with builds and test runs, a benchmark process is descheduled for milliseconds at a
/// time, inside nearly every iteration; wall-clock iterations then measure the machine's load as much as the code.
/// Thread CPU time leaves the waiting out. Valid only for work done entirely on the measuring thread: StreamRnn's
/// calls and libtorch with one intra-op thread (which runs its kernels on the calling thread), not libtorch with
/// several threads. Needs the in-process toolchain, since the clock object cannot be handed to a child process.
/// </remarks>
public sealed class ThreadCpuTimeClock : IClock
{
    public string Title => "Thread CPU time";

    public bool IsAvailable => ThreadCpuClock.IsAvailable;

    public Frequency Frequency => new(1e9);

    public long GetTimestamp() => ThreadCpuClock.Nanoseconds();
}
