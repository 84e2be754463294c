using System.Diagnostics;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A quick in-memory measurement of Process (decode → normalise → batched step → prediction JSON) for an
/// LSTM with H = 32, printed to the test output. The bound asserted is deliberately loose (the machine is
/// shared with parallel builds); the benchmark project measures properly.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void Process_throughput_for_lstm_h32()
    {
        var definition = TestPipelines.Stocks(CellKind.Lstm, hidden: 32);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(300_000, keys: 1000, seed: 99);
        const int chunk = 500, warmUp = 100_000;

        // Warm up in passes with pauses, so tiered compilation (a background thread, starved on a busy machine)
        // has promoted the hot methods before the measurement starts.
        for (int pass = 0; pass < 5; pass++)
        {
            for (int start = pass * 20_000; start < (pass + 1) * 20_000; start += chunk)
            {
                runtime.Process(records.AsSpan(start, chunk), sink);
            }

            Thread.Sleep(200);
        }

        long cpuBefore = ThreadCpuNanoseconds();
        var stopwatch = Stopwatch.StartNew();
        for (int start = warmUp; start < records.Length; start += chunk)
        {
            runtime.Process(records.AsSpan(start, chunk), sink);
        }

        stopwatch.Stop();
        long cpu = ThreadCpuNanoseconds() - cpuBefore;
        int measured = records.Length - warmUp;
        double perSecond = measured / stopwatch.Elapsed.TotalSeconds;
        output.WriteLine($"LSTM H=32, 3 features, 1000 keys, {chunk} records per call: {perSecond:N0} records/s wall clock " +
                         $"({1e6 / perSecond:F2} µs per record), {runtime.BytesPerKey} bytes per key");
        if (cpu > 0)
        {
            // On a shared machine the thread's own CPU time says what one core can do.
            output.WriteLine($"  on-CPU time of this thread: {measured / (cpu / 1e9):N0} records/s per core ({cpu / 1e3 / measured:F2} µs per record)");
        }
        Assert.Equal(0, sink.DeadLetters);
        Assert.True(perSecond > 20_000, $"{perSecond:N0} records/s");
    }

    /// <summary>Nanoseconds this thread has run on a CPU (Linux schedstat), or 0 where unavailable.</summary>
    private static long ThreadCpuNanoseconds()
    {
        try
        {
            string text = File.ReadAllText("/proc/thread-self/schedstat");
            return long.Parse(text.AsSpan(0, text.IndexOf(' ')), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
