using Prometheus;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The live strong baselines (ar by recursive least squares, seasonal naive) add no allocation per record once every
/// key has its side state: bytes allocated on the runtime's thread around Process, with the baselines and without.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LiveBaselineAllocationTests(ITestOutputHelper output)
{
    private const int Keys = 64;
    private const int Chunk = 256;

    [Fact]
    public void Ar_and_seasonal_naive_allocate_nothing_per_record_in_steady_state()
    {
        var records = TestPipelines.StockRecords(Keys * 200, Keys);
        long without = Measure(records, new BaselineOptions { ArOrder = 0, Season = 0 }, out long scoredWithout, out _);
        long with = Measure(records, new BaselineOptions { ArOrder = 3, Season = 24 }, out long scored, out var summary);
        output.WriteLine($"{without} bytes without baselines, {with} with, over {scored} scored forecasts");
        Assert.Equal(scoredWithout, scored);
        Assert.Equal(["ar", "seasonal_naive"], summary.Baselines.Select(b => b.Forecaster));
        Assert.All(summary.Baselines, b => Assert.Equal(summary.Scored, b.Scored));
        Assert.True(with - without <= 1024, $"{with - without} bytes more with the baselines");
    }

    private static long Measure(InputRecord[] records, BaselineOptions baselines, out long scored, out PrequentialSummary summary)
    {
        var definition = TestPipelines.Stocks();
        definition.Baselines = baselines;
        var runtime = TestPipelines.Runtime(definition, metrics: new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())));
        var sink = new NullSink();
        int warmup = records.Length / 4;
        for (int start = 0; start < warmup; start += Chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(Chunk, warmup - start)), sink);
        }

        long scoredBefore = runtime.GetPrequentialSummary().Scored;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = warmup; start < records.Length; start += Chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(Chunk, records.Length - start)), sink);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        summary = runtime.GetPrequentialSummary();
        scored = summary.Scored - scoredBefore;
        return allocated;
    }
}
