using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>The linear path inside the runtime: persistence at start, changelog round trip, old records, no allocation.</summary>
[Trait("Category", "Unit")]
public sealed class LinearPathRuntimeTests
{
    private static PipelineDefinition Stocks(bool linear)
    {
        var definition = TestPipelines.Stocks(CellKind.Gru, hidden: 12);
        definition.Linear = new LinearOptions { Enabled = linear, Order = 2, Season = 3 };
        return definition;
    }

    [Fact]
    public void A_raw_target_starts_as_persistence_through_the_runtime()
    {
        var definition = TestPipelines.Sensors();
        definition.Linear = new LinearOptions { Enabled = true, Order = 1, Network = false };
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        double[] temperatures = [20.5, 21.25, 19.75, 22.0, 22.5];
        for (int i = 0; i < temperatures.Length; i++)
        {
            string json = string.Create(CultureInfo.InvariantCulture, $"{{\"temperature\":{temperatures[i]},\"load\":0.5,\"mode\":\"run\"}}");
            runtime.Process([TestPipelines.Record(json, offset: i, key: "m1", timestamp: 1_700_000_000_000 + i * 1000)], sink);
        }

        Assert.Equal(temperatures.Length, sink.Predictions.Count);
        for (int i = 0; i < temperatures.Length; i++)
        {
            // Warming up (the key's statistics hold fewer than 20 values): the weights stay at persistence exactly.
            Assert.Equal(temperatures[i], sink.PredictionJson(i).GetProperty("value").GetDouble(), 9);
        }
    }

    [Fact]
    public void The_linear_state_survives_the_changelog_bit_for_bit_and_continuing_gives_the_same_forecasts()
    {
        var definition = Stocks(linear: true);
        var records = TestPipelines.StockRecords(900, keys: 6, seed: 21, partitions: 2);
        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records.AsSpan(0, 600), sink);
        first.FlushChangelog(sink);
        Assert.Equal(first.ChangelogValueBytes, sink.ChangelogRecords[0].Value.Length);

        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        StateAssert.BitIdentical(first, restored);
        var combiner = new LinearCombiner(definition.Linear, horizon: 1, rawTarget: false);
        double[] template = new double[combiner.StateLength];
        combiner.Reset(template);
        for (int k = 0; k < 6; k++)
        {
            double[] expected = first.LinearStateOf($"S{k}")!;
            Assert.Equal(StateAssert.Bits(expected), StateAssert.Bits(restored.LinearStateOf($"S{k}")!));
            Assert.NotEqual(StateAssert.Bits(template), StateAssert.Bits(expected)); // it has learnt something
        }

        var expectedSink = new RecordingSink();
        var actualSink = new RecordingSink();
        first.Process(records.AsSpan(600), expectedSink);
        restored.Process(records.AsSpan(600), actualSink);
        Assert.Equal(expectedSink.Predictions.Select(p => p.Json), actualSink.Predictions.Select(p => p.Json));
    }

    [Fact]
    public void A_record_written_before_the_linear_path_existed_restores_with_the_path_at_its_prior()
    {
        var records = TestPipelines.StockRecords(300, keys: 4, seed: 8);
        var old = TestPipelines.Runtime(Stocks(linear: false));
        var sink = new RecordingSink();
        old.Process(records, sink);
        old.FlushChangelog(sink);
        Assert.Empty(old.LinearStateOf("S0")!);

        var linear = TestPipelines.Runtime(Stocks(linear: true));
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            linear.Restore(partition, key, value);
        }

        // Everything else is the old state; the linear path starts at its persistence prior.
        StateAssert.BitIdentical(old, linear);
        var options = Stocks(true).Linear;
        var combiner = new LinearCombiner(options, horizon: 1, rawTarget: false);
        double[] prior = new double[combiner.StateLength];
        combiner.Reset(prior);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(StateAssert.Bits(prior), StateAssert.Bits(linear.LinearStateOf($"S{k}")!));
        }

        // And the other way round: a record with a linear section restores into a pipeline without one.
        var withSection = new RecordingSink();
        linear.Process(records.AsSpan(0, 10).ToArray().Select((r, i) => r with { Offset = 1000 + i }).ToArray(), withSection);
        linear.FlushChangelog(withSection);
        var plain = TestPipelines.Runtime(Stocks(linear: false));
        foreach (var (partition, key, value) in withSection.ChangelogRecords)
        {
            plain.Restore(partition, key, value);
        }

        Assert.Equal(withSection.ChangelogRecords.Count, plain.KeyCount);
    }

    [Fact]
    public void Steady_state_processing_with_the_linear_path_allocates_nothing()
    {
        var runtime = TestPipelines.Runtime(Stocks(linear: true));
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(64 * 120, keys: 64, seed: 17);
        for (int start = 0; start < 5120; start += 256)
        {
            runtime.Process(records.AsSpan(start, 256), sink);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = 5120; start < records.Length; start += 256)
        {
            runtime.Process(records.AsSpan(start, Math.Min(256, records.Length - start)), sink);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(records.Length - 64, sink.Predictions);
    }
}
