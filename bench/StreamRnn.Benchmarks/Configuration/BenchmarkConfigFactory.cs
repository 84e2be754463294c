using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace StreamRnn.Benchmarks.Configuration;

/// <summary>The BenchmarkDotNet configuration: a short job by default, allocations measured always.</summary>
/// <remarks>
/// The short job (1 launch, 3 warm-up and 6 measured iterations of ~250 ms) keeps the whole suite (72 cases) around ten
/// minutes on a 2-core machine; on a noisy shared machine the ratio between two cases measured back to back in one
/// run is what to read, not absolute times. <c>--full</c> uses BenchmarkDotNet's default job instead.
/// Out-of-process (the default) each case runs in its own child process built by BenchmarkDotNet; the libtorch
/// setups patch that build's copy of the native glue before loading it. <c>--in-process</c> runs every case in this
/// process (whose build output the MSBuild target already patched).
/// </remarks>
public static class BenchmarkConfigFactory
{
    public static IConfig Create(bool fullJob, bool inProcess)
    {
        Job job = fullJob
            ? Job.Default.WithId("Full")
            : Job.Default
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(6)
                .WithIterationTime(TimeInterval.FromMilliseconds(250))
                .WithId("Quick");
        if (inProcess)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }

        return DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableLogFile);
    }
}
