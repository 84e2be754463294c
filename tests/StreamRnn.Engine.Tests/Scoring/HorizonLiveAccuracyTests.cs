using Prometheus;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Live accuracy per horizon of Target:Horizons through the runtime: each later horizon's persistence, ar and
/// seasonal_naive are those of a single-horizon pipeline of that horizon on the same records, the per-horizon counters
/// hold the summaries' sums (the first horizon's equal the pipeline's own counters), and the per-horizon baselines and
/// counters allocate nothing per record.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HorizonLiveAccuracyTests(ITestOutputHelper output)
{
    private const int Keys = 8;
    private const int Chunk = 256;

    private static PipelineDefinition Stocks(List<int>? horizons, int horizon = 1)
    {
        var definition = TestPipelines.Stocks(horizon: horizon);
        definition.Target.Horizons = horizons;
        definition.Baselines = new BaselineOptions { ArOrder = 2, Season = 5 };
        return definition;
    }

    private static StreamRnnMetrics NewMetrics() => new(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()));

    [Fact]
    public void A_later_horizon_scores_its_baselines_as_a_single_horizon_pipeline_of_that_horizon()
    {
        var records = TestPipelines.StockRecords(Keys * 60, Keys);
        var metrics = NewMetrics();
        var multi = TestPipelines.Runtime(Stocks([1, 3]), metrics: metrics);
        var single = TestPipelines.Runtime(Stocks(null, horizon: 3));
        multi.Process(records, new NullSink());
        single.Process(records, new NullSink());

        var summaries = multi.GetHorizonSummaries();
        var expected = single.GetPrequentialSummary();
        var third = summaries[1];
        Assert.True(third.Scored > Keys * 50, $"{third.Scored} scored at h = 3");
        Assert.Equal(expected.Scored, third.Scored);
        Assert.Equal(expected.BaselineMae, third.BaselineMae);
        Assert.Equal(expected.BaselineRmse, third.BaselineRmse);
        Assert.Equal(["ar", "seasonal_naive"], third.Baselines.Select(b => b.Forecaster));
        Assert.Equal(expected.Baselines, third.Baselines);

        // The first horizon is the pipeline's own summary, baselines included.
        var own = multi.GetPrequentialSummary();
        Assert.Equal(own.Scored, summaries[0].Scored);
        Assert.Equal(own.Baselines, summaries[0].Baselines);

        // The counters: the first horizon's equal the pipeline's; each horizon's sums are its summary's.
        Assert.Equal(metrics.PrequentialError.WithLabels("stocks", "model", "abs").Value,
            metrics.PrequentialHorizonError.WithLabels("stocks", "1", "model", "abs").Value);
        Assert.Equal(metrics.PrequentialError.WithLabels("stocks", "ar", "squared").Value,
            metrics.PrequentialHorizonError.WithLabels("stocks", "1", "ar", "squared").Value);
        for (int k = 0; k < 2; k++)
        {
            string h = k == 0 ? "1" : "3";
            var summary = summaries[k];
            double Sum(string forecaster, string metric) => metrics.PrequentialHorizonError.WithLabels("stocks", h, forecaster, metric).Value;
            Assert.Equal(summary.Scored, metrics.PrequentialHorizonScored.WithLabels("stocks", h).Value);
            Assert.Equal(summary.ModelMae, Sum("model", "abs") / summary.Scored, 12);
            Assert.Equal(summary.BaselineRmse, Math.Sqrt(Sum("baseline", "squared") / summary.Scored), 12);
            foreach (var baseline in summary.Baselines)
            {
                Assert.Equal(baseline.Mae, Sum(baseline.Forecaster, "abs") / baseline.Scored, 12);
                Assert.Equal(baseline.Rmse, Math.Sqrt(Sum(baseline.Forecaster, "squared") / baseline.Scored), 12);
            }
        }
    }

    [Fact]
    public void A_pipeline_without_Horizons_exports_no_per_horizon_series()
    {
        var metrics = NewMetrics();
        var runtime = TestPipelines.Runtime(Stocks(null), metrics: metrics);
        runtime.Process(TestPipelines.StockRecords(Keys * 10, Keys), new NullSink());
        Assert.True(runtime.GetPrequentialSummary().Scored > 0);
        Assert.Empty(metrics.PrequentialHorizonError.GetAllLabelValues());
        Assert.Empty(metrics.PrequentialHorizonScored.GetAllLabelValues());
    }

    [Fact]
    public void Per_horizon_baselines_and_counters_allocate_nothing_per_record_in_steady_state()
    {
        var records = TestPipelines.StockRecords(Keys * 400, Keys);
        long without = Measure(records, new BaselineOptions { ArOrder = 0, Season = 0 }, out long scoredWithout);
        long with = Measure(records, new BaselineOptions { ArOrder = 3, Season = 24 }, out long scored);
        output.WriteLine($"Horizons [1, 6, 24]: {without} bytes without baselines, {with} with, over {scored} scored forecasts of h = 24");
        Assert.Equal(scoredWithout, scored);
        Assert.True(scored > 0);
        Assert.True(with - without <= 1024, $"{with - without} bytes more with the per-horizon baselines");
    }

    private static long Measure(InputRecord[] records, BaselineOptions baselines, out long scored)
    {
        var definition = Stocks([1, 6, 24]);
        definition.Baselines = baselines;
        var runtime = TestPipelines.Runtime(definition, metrics: NewMetrics());
        var sink = new NullSink();
        int warmup = records.Length / 4;
        for (int start = 0; start < warmup; start += Chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(Chunk, warmup - start)), sink);
        }

        long scoredBefore = runtime.GetHorizonSummaries()[2].Scored;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = warmup; start < records.Length; start += Chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(Chunk, records.Length - start)), sink);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        scored = runtime.GetHorizonSummaries()[2].Scored - scoredBefore;
        return allocated;
    }
}
