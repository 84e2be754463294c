using System.Buffers.Binary;
using StreamRnn.Core;
using StreamRnn.Core.Serialization;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The guard and the calibrated intervals through the runtime: the record publishes the calibrated bounds and the
/// unguarded forecast, the key inspector shows the guard's weights, and layout-1 and layout-2 linear sections still restore.
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
        Assert.Equal(["ar", "ar_long", "combined", "persistence", "seasonal"], linear.Weights.Keys.Order());
        Assert.Equal(1.0, linear.Weights.Values.Sum(), 9);
        Assert.All(linear.ErrorScale.Values, l => Assert.True(l > 0));
        Assert.NotEqual(ForecastGuard.Z80, linear.Multiplier80); // it has calibrated

        int last = sink.Predictions.Select((p, i) => (p, i)).Last(x => x.p.Key == "S0").i;
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
    /// weights and their covariance, and its version double was 0) or layout 2 (the guard before its evidence and its
    /// second AR candidate: version 2, fewer doubles) restores: the layout-1 doubles land in the prefix, the guard
    /// starts afresh, and the key goes on forecasting.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void An_older_linear_section_restores_into_the_prefix_with_a_fresh_guard(int layout)
    {
        var definition = Stocks();
        var records = TestPipelines.StockRecords(600, keys: 3, seed: 21);
        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records.AsSpan(0, 400), sink);
        first.FlushChangelog(sink);
        var combiner = new LinearCombiner(definition.Linear, horizon: 1, rawTarget: false);
        double[] fresh = new double[combiner.StateLength];
        combiner.Reset(fresh);
        int legacy = combiner.LegacyStateLength;
        Assert.True(combiner.Layout2StateLength > legacy && combiner.Layout2StateLength < combiner.StateLength);

        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            byte[] older = layout == 1 ? Older(value, combiner, legacy, 0) : Older(value, combiner, combiner.Layout2StateLength, 2);
            Assert.True(restored.Restore(partition, key, older));
        }

        for (int k = 0; k < 3; k++)
        {
            double[] original = first.LinearStateOf($"S{k}")!;
            double[] state = restored.LinearStateOf($"S{k}")!;
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

    /// <summary>A section of the current layout but with the version double of layout 2 is not read as the current layout.</summary>
    [Fact]
    public void A_section_of_the_current_length_with_another_version_starts_the_linear_path_afresh()
    {
        var definition = Stocks();
        var records = TestPipelines.StockRecords(300, keys: 1, seed: 5);
        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records, sink);
        first.FlushChangelog(sink);
        var combiner = new LinearCombiner(definition.Linear, horizon: 1, rawTarget: false);
        double[] fresh = new double[combiner.StateLength];
        combiner.Reset(fresh);
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            Assert.True(restored.Restore(partition, key, Older(value, combiner, combiner.StateLength, 2)));
        }

        Assert.Equal(StateAssert.Bits(fresh), StateAssert.Bits(restored.LinearStateOf("S0")!));
    }

    /// <summary>
    /// The value with its linear section replaced by one of <paramref name="length"/> doubles whose first layout-1
    /// doubles are the original's, the rest 7.0 (an older guard's content, which a restore must not read), its version
    /// double <paramref name="version"/>, and the checksum redone.
    /// </summary>
    private static byte[] Older(byte[] value, LinearCombiner combiner, int length, double version)
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
        for (int i = legacy; i < length; i++)
        {
            old.AddRange(BitConverter.GetBytes(7.0));
        }

        old.AddRange(value.AsSpan(section + 4 + 8 * combiner.StateLength, value.Length - 4 - (section + 4 + 8 * combiner.StateLength)).ToArray());
        byte[] bytes = [.. old, 0, 0, 0, 0];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(section), length);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(section + 4 + 8 * LinearCombiner.LayoutVersionIndex), version);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }
}
