using System.Diagnostics;
using System.Globalization;
using StreamRnn.Benchmarks.Comparisons;
using StreamRnn.Benchmarks.LibTorch;
using StreamRnn.Benchmarks.Reporting;
using StreamRnn.Core;

namespace StreamRnn.Benchmarks.Pairing;

/// <summary>
/// A cross-check of the BenchmarkDotNet ratios that is robust to load that changes over minutes: in one process,
/// StreamRnn and libtorch (1 thread, then default threads) run in alternating short segments, round after round.
/// Single-threaded sides (StreamRnn, libtorch with 1 thread) are timed by the thread's CPU time
/// (<see cref="ThreadCpuClock"/>), median over rounds; libtorch with its default threads spreads work over other
/// threads, so it is timed by the wall clock, fastest segment.
/// </summary>
/// <remarks>
/// BenchmarkDotNet measures each case in its own process, one after the other; on a 2-core machine shared with
/// compilers and test runs, a burst of load during one case skews that case's ratio. Here both sides of a ratio are
/// measured within the same few milliseconds, repeatedly, and thread CPU time does not count the time a thread
/// waits for a core at all. Wall-clock descheduling only ever adds time, so for the multi-threaded side the fastest
/// segment is the one closest to its undisturbed cost (and it is still the least reliable column). It reuses the
/// benchmark classes' own setups and methods, so it times exactly the same calls. Allocation is read from
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around a whole segment.
/// </remarks>
public static class PairedComparison
{
    private static readonly CellKind[] Cells = [CellKind.Lstm, CellKind.Gru];
    private static readonly int[] HiddenSizes = [32, 64, 128];
    private static readonly int[] Batches = [1, 16, 256];

    /// <summary>Measures every configuration of both suites; one progress line per configuration.</summary>
    public static IReadOnlyList<RatioRow> Run(TextWriter progress, int rounds, TimeSpan segment)
    {
        List<RatioRow> rows = [];
        foreach (var cell in Cells)
        {
            foreach (int hiddenSize in HiddenSizes)
            {
                foreach (int batch in Batches)
                {
                    ForwardStepBenchmarks core = new() { Cell = cell, HiddenSize = hiddenSize, Batch = batch };
                    ForwardStepBenchmarks torch = new() { Cell = cell, HiddenSize = hiddenSize, Batch = batch };
                    core.SetupCore();
                    torch.SetupLibTorchOneThread();
                    rows.Add(Measure("Step", cell, hiddenSize, batch, () => core.StreamRnnCore(), torch.LibTorchOneThread, rounds, segment));
                    torch.Cleanup();
                    progress.WriteLine(Describe(rows[^1]));
                }

                TruncatedBackpropBenchmarks coreWindow = new() { Cell = cell, HiddenSize = hiddenSize };
                TruncatedBackpropBenchmarks torchWindow = new() { Cell = cell, HiddenSize = hiddenSize };
                coreWindow.SetupCore();
                torchWindow.SetupLibTorchOneThread();
                rows.Add(Measure($"TBPTT k={TruncatedBackpropBenchmarks.WindowSteps}", cell, hiddenSize, 1,
                    () => coreWindow.StreamRnnCore(), torchWindow.LibTorchOneThread, rounds, segment));
                torchWindow.Cleanup();
                progress.WriteLine(Describe(rows[^1]));
            }
        }

        return [.. rows.OrderBy(row => row.Suite, StringComparer.Ordinal).ThenBy(row => row.Cell, StringComparer.Ordinal)
            .ThenBy(row => row.HiddenSize).ThenBy(row => row.Batch)];
    }

    private static RatioRow Measure(string suite, CellKind cell, int hiddenSize, int batch, Action core, Action torch,
        int rounds, TimeSpan segment)
    {
        int defaultThreads = LibTorchRuntime.DefaultThreadCount;
        long coreCalls = Calibrate(core, segment);
        LibTorchRuntime.UseThreads(1);
        long torchCalls = Calibrate(torch, segment);
        double[] coreTimes = new double[rounds];
        double[] oneThreadTimes = new double[rounds];
        double[] defaultTimes = new double[rounds];
        long coreBytes = 0;
        long torchBytes = 0;
        for (int round = 0; round < rounds; round++)
        {
            (_, coreTimes[round], coreBytes) = Segment(core, coreCalls);
            LibTorchRuntime.UseThreads(1);
            (_, oneThreadTimes[round], torchBytes) = Segment(torch, torchCalls);
            LibTorchRuntime.UseThreads(defaultThreads);
            (defaultTimes[round], _, _) = Segment(torch, torchCalls);
        }

        LibTorchRuntime.UseThreads(1);
        return new RatioRow(suite, cell.ToString().ToUpperInvariant(), hiddenSize, batch,
            Median(coreTimes), null, Median(oneThreadTimes), defaultTimes.Min(), (torchBytes + torchCalls - 1) / torchCalls)
        {
            CoreThreadAllocatedBytes = (coreBytes + coreCalls - 1) / coreCalls,
        };
    }

    /// <summary>Warms up, then returns how many calls fill about one segment.</summary>
    private static long Calibrate(Action call, TimeSpan segment)
    {
        long calls = 1;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            for (long index = 0; index < calls; index++)
            {
                call();
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= segment / 2)
            {
                return Math.Max(1, (long)(calls * (segment / elapsed)));
            }

            calls *= 2;
        }
    }

    /// <returns>Wall-clock and thread-CPU nanoseconds per call, and the bytes this thread allocated.</returns>
    private static (double WallPerCall, double CpuPerCall, long AllocatedBytes) Segment(Action call, long calls)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long cpuStart = ThreadCpuClock.Nanoseconds();
        long start = Stopwatch.GetTimestamp();
        for (long index = 0; index < calls; index++)
        {
            call();
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        long cpu = ThreadCpuClock.Nanoseconds() - cpuStart;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return (elapsed.TotalNanoseconds / calls, (double)cpu / calls, allocated);
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Describe(RatioRow row) => string.Create(CultureInfo.InvariantCulture,
        $"{row.Suite,-10} {row.Cell,-4} H={row.HiddenSize,-3} B={row.Batch,-3}: StreamRnn {row.CoreNanoseconds,10:F0} ns ({row.CoreThreadAllocatedBytes} B), " +
        $"libtorch 1T {row.TorchOneThreadNanoseconds,10:F0} ns, default {row.TorchDefaultNanoseconds,10:F0} ns, ratio 1T {row.OneThreadRatio:F2}, default {row.DefaultThreadsRatio:F2}");
}
