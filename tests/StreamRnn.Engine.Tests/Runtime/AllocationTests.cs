using Prometheus;
using StreamRnn.Core;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>Steady-state Process of known keys allocates nothing: decode, state store, step, JSON, metrics.</summary>
public sealed class AllocationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(CellKind.Lstm, false)]
    [InlineData(CellKind.Lstm, true)]
    [InlineData(CellKind.Gru, true)]
    public void Steady_state_processing_of_known_keys_allocates_nothing(CellKind cell, bool withMetrics)
    {
        var definition = TestPipelines.Stocks(cell, hidden: 32);
        var metrics = withMetrics ? new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())) : null;
        var runtime = TestPipelines.Runtime(definition, metrics: metrics);
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(64 * 80, keys: 64, seed: 17);
        const int chunk = 256;

        // Warm-up: every key seen, every buffer grown, JIT tiers settled.
        for (int start = 0; start < 2560; start += chunk)
        {
            runtime.Process(records.AsSpan(start, chunk), sink);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = 2560; start < records.Length; start += chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(chunk, records.Length - start)), sink);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{cell}, metrics {withMetrics}: {allocated} bytes allocated over {records.Length - 2560} records");
        Assert.Equal(0, sink.DeadLetters);
        Assert.Equal(records.Length - 64, sink.Predictions);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Flushing_the_changelog_allocates_nothing()
    {
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(2000, keys: 50);
        runtime.Process(records.AsSpan(0, 1000), sink);
        runtime.FlushChangelog(sink);
        runtime.Process(records.AsSpan(1000, 500), sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int flushed = runtime.FlushChangelog(sink);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(50, flushed);
        Assert.Equal(0, allocated);
    }
}
