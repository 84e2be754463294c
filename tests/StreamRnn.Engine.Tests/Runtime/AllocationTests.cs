using Prometheus;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;
using Xunit.Abstractions;

namespace StreamRnn.Engine.Tests;

/// <summary>Steady-state Process of known keys allocates nothing: decode, state store, step, JSON, metrics.</summary>
[Trait("Category", "Unit")]
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
    public void Assembling_training_windows_and_handing_them_to_the_trainer_allocates_nothing_once_the_pool_is_warm()
    {
        var definition = TestPipelines.Stocks(CellKind.Lstm, hidden: 32);
        definition.Training = new TrainingOptions { Enabled = true, WindowSteps = 8, QueueCapacity = 64, TrainEveryWindows = 64, WarmupWindows = 64, HoldBackWindows = 16 };
        var runtime = TestPipelines.Runtime(definition);
        using var trainer = new OnlineTrainer(definition.Name, definition.Training,
            new ModelRegistry(TestPipelines.Weights(definition)), new System.Reactive.Concurrency.HistoricalScheduler());
        runtime.Trainer = trainer;
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(64 * 80, keys: 64, seed: 17);
        for (int start = 0; start < 2560; start += 256)
        {
            runtime.Process(records.AsSpan(start, 256), sink);
        }

        // The queue is full, so every new window drops (and pools) the oldest: the steady state of a slow trainer.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = 2560; start < records.Length; start += 256)
        {
            runtime.Process(records.AsSpan(start, 256), sink);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"with training windows: {allocated} bytes allocated over {records.Length - 2560} records, {runtime.WindowsCompleted} windows");
        Assert.True(trainer.Queue.Dropped > 0);
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
