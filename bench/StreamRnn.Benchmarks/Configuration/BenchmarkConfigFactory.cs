using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace StreamRnn.Benchmarks.Configuration;

/// <summary>The BenchmarkDotNet configuration: a short job by default, allocations measured always.</summary>
/// <remarks>
/// The short job (1 launch, 5 warm-up and 40 measured iterations of ~10 ms) keeps the whole suite (72 cases) to a
/// few minutes on a 2-core machine. Iterations are short on purpose: on a machine shared with compilers and test
/// runs, a process is descheduled for tens of milliseconds at a time, so long iterations all carry some of that
/// waiting, while among many short ones some run undisturbed; the ratio report reads each case's minimum
/// iteration for that reason (and the BenchmarkDotNet tables keep the mean and median). <c>--full</c> uses
/// BenchmarkDotNet's default job instead.
/// Out-of-process (the default) each case runs in its own child process built by BenchmarkDotNet; the libtorch
/// setups patch that build's copy of the native glue before loading it. <c>--in-process</c> runs every case in this
/// process (whose build output the MSBuild target already patched). <c>--cpu-clock</c> times by the thread's CPU time
/// (<see cref="ThreadCpuTimeClock"/>), in process, for the single-threaded cases only.
/// </remarks>
public static class BenchmarkConfigFactory
{
    public static IConfig Create(bool fullJob, bool inProcess, bool threadCpuClock)
    {
        var job = fullJob
            ? Job.Default.WithId("Full")
            : Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(5)
                .WithIterationCount(40)
                .WithIterationTime(TimeInterval.FromMilliseconds(10))
                .WithId("Quick");
        if (threadCpuClock)
        {
            job = job.WithClock(new ThreadCpuTimeClock()).WithId(job.Id + "-ThreadCpu");
        }

        if (inProcess || threadCpuClock)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }

        return DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median, StatisticColumn.Min)
            .WithOptions(ConfigOptions.DisableLogFile);
    }
}
