using StreamRnn.Benchmarks.Comparisons;
using StreamRnn.Core;

namespace StreamRnn.Benchmarks.Validation;

/// <summary>
/// Exact managed allocation of StreamRnn's benchmarked calls, counted on the calling thread.
/// </summary>
/// <remarks>
/// BenchmarkDotNet's MemoryDiagnoser reads the process-wide allocation counter, so bytes allocated by any other
/// thread of the child process during its measurement (runtime or harness threads) are divided among the operations:
/// for cases of hundreds of microseconds, where few operations run, that shows up as a stray 1–100 B/op that moves
/// from case to case between runs. <see cref="GC.GetAllocatedBytesForCurrentThread"/> around many calls made on
/// this thread has no such noise: the figure it gives is what the hot path itself allocates.
/// </remarks>
public static class AllocationProbe
{
    /// <summary>Bytes per call, rounded up (any allocation at all shows as ≥ 1), after a warm-up of the same length.</summary>
    public static long BytesPerCall(bool window, CellKind cell, int hiddenSize, int batch, int calls)
    {
        Func<double> call;
        if (window)
        {
            TruncatedBackpropBenchmarks benchmark = new() { Cell = cell, HiddenSize = hiddenSize };
            benchmark.SetupCore();
            call = benchmark.StreamRnnCore;
        }
        else
        {
            ForwardStepBenchmarks benchmark = new() { Cell = cell, HiddenSize = hiddenSize, Batch = batch };
            benchmark.SetupCore();
            call = () => benchmark.StreamRnnCore();
        }

        for (int index = 0; index < calls; index++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int index = 0; index < calls; index++)
        {
            call();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (allocated + calls - 1) / calls;
    }
}
