using System.Buffers.Binary;
using StreamRnn.Core;
using StreamRnn.Core.Serialization;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The guard and the calibrated intervals through the runtime: the record publishes the calibrated bounds and the
/// unguarded forecast, the key inspector shows the guard's weights, and a layout-1 linear section still restores.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LinearGuardStateTests
{
    private static PipelineDefinition Stocks()
    {
        var definition = TestPipelines.Stocks(CellKind.Gru, hidden: 12);
        definition.Linear = new LinearOptions { Enabled = true, Order = 2, Season = 3 };
        return definition;
    }

    [Fact]
    public void The_record_carries_the_calibrated_intervals_and_the_unguarded_forecast_and_the_inspector_the_weights()
    {
        var runtime = TestPipelines.Runtime(Stocks());
        var sink = new RecordingSink();
        runtime.Process(TestPipelines.StockRecords(1200, keys: 2, seed: 4), sink);
        var summary = runtime.QueryKey("S0")!;
        var linear = summary.Linear!;
        Assert.Equal(["ar", "combined", "persistence", "seasonal"], linear.Weights.Keys.Order());
        Assert.Equal(1.0, linear.Weights.Values.Sum(), 9);
        Assert.All(linear.ErrorScale.Values, l => Assert.True(l > 0));
        Assert.NotEqual(ForecastGuard.Z80, linear.Multiplier80); // it has calibrated

        var last = sink.Predictions.Select((p, i) => (p, i)).Last(x => x.p.Key == "S0").i;
        var json = sink.PredictionJson(last);
        double mean = json.GetProperty("mean").GetDouble(), stddev = json.GetProperty("stddev").GetDouble();
        Assert.Equal(summary.LastPredictionMean!.Value, mean);
        Assert.True(json.TryGetProperty("unguarded", out var unguarded) && unguarded.ValueKind == System.Text.Json.JsonValueKind.Number);
        var interval = json.GetProperty("interval_80");
        double half80 = (interval[1].GetDouble() - interval[0].GetDouble()) / 2;
        Assert.Equal(linear.Multiplier80 * stddev, half80, 6);
        interval = json.GetProperty("interval_95");
        Assert.Equal(linear.Multiplier95 * stddev, (interval[1].GetDouble() - interval[0].GetDouble()) / 2, 6);
    }

    [Fact]
    public void The_prequential_coverage_counts_the_published_intervals()
    {
        var runtime = TestPipelines.Runtime(Stocks());
        var sink = new RecordingSink();
        runtime.Process(TestPipelines.StockRecords(4000, keys: 2, seed: 9), sink);
        var coverage = runtime.GetPrequentialSummary();
        Assert.InRange(coverage.Coverage80, 0.76, 0.84);
        Assert.InRange(coverage.Coverage95, 0.92, 0.98);
    }

    /// <summary>
    /// A changelog value whose linear section is layout 1 (written before the guard: the section ended with the
    /// weights and their covariance, and its version double was 0) restores: the layout-1 doubles land in the prefix,
    /// the guard starts afresh, and the key goes on forecasting.
    /// </summary>
    [Fact]
    public void A_layout_1_linear_section_restores_into_the_prefix_with_a_fresh_guard()
    {
        var definition = Stocks();
        var records = TestPipelines.StockRecords(600, keys: 3, seed: 21);
        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records.AsSpan(0, 400), sink);
        first.FlushChangelog(sink);
        var combiner = new LinearCombiner(definition.Linear, horizon: 1, rawTarget: false);
        var fresh = new double[combiner.StateLength];
        combiner.Reset(fresh);

        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            Assert.True(restored.Restore(partition, key, Layout1(value, combiner)));
        }

        for (int k = 0; k < 3; k++)
        {
            double[] original = first.LinearStateOf($"S{k}")!;
            double[] state = restored.LinearStateOf($"S{k}")!;
            int legacy = combiner.LegacyStateLength;
            Assert.Equal(StateAssert.Bits(original.AsSpan(0, 3).ToArray()), StateAssert.Bits(state.AsSpan(0, 3).ToArray()));
            Assert.Equal(LinearCombiner.LayoutVersion, state[LinearCombiner.LayoutVersionIndex]);
            Assert.Equal(StateAssert.Bits(original.AsSpan(4, legacy - 4).ToArray()), StateAssert.Bits(state.AsSpan(4, legacy - 4).ToArray()));
            Assert.Equal(StateAssert.Bits(fresh.AsSpan(legacy).ToArray()), StateAssert.Bits(state.AsSpan(legacy).ToArray()));
        }

        var after = new RecordingSink();
        restored.Process(records.AsSpan(400), after);
        Assert.Equal(200, after.Predictions.Count);
        Assert.All(Enumerable.Range(0, 200), i => Assert.True(double.IsFinite(after.PredictionJson(i).GetProperty("mean").GetDouble())));
    }

    /// <summary>The value with its linear section cut to layout 1 (the version double 0) and the checksum redone.</summary>
    private static byte[] Layout1(byte[] value, LinearCombiner combiner)
    {
        int section = -1;
        for (int at = KeyStateCodec.HeaderBytes; at + 4 <= value.Length; at++)
        {
            if (BinaryPrimitives.ReadInt32LittleEndian(value.AsSpan(at)) == combiner.StateLength
                && BinaryPrimitives.ReadDoubleLittleEndian(value.AsSpan(at + 4 + 8 * LinearCombiner.LayoutVersionIndex)) == LinearCombiner.LayoutVersion)
            {
                section = at;
            }
        }

        Assert.True(section > 0);
        int legacy = combiner.LegacyStateLength;
        var old = new List<byte>(value.AsSpan(0, section + 4 + 8 * legacy).ToArray());
        old.AddRange(value.AsSpan(section + 4 + 8 * combiner.StateLength, value.Length - 4 - (section + 4 + 8 * combiner.StateLength)).ToArray());
        byte[] bytes = [.. old, 0, 0, 0, 0];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(section), legacy);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(section + 4 + 8 * LinearCombiner.LayoutVersionIndex), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }
}
