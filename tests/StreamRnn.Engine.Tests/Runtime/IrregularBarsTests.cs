using System.Globalization;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The stated policy for irregular stock bars (docs/engine.md, "Irregular arrival"): a gap is just the key's next step,
/// a bar with an empty or missing field is dead-lettered whole and leaves the key untouched, a bar older than the
/// key's newest follows LateRecords.
/// </summary>
[Trait("Category", "Unit")]
public sealed class IrregularBarsTests
{
    [Fact]
    public void A_gap_of_missing_bars_is_one_step_whose_return_spans_the_gap()
    {
        var definition = TestPipelines.Stocks();
        definition.Output.WarmupTargets = 0;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process([Bar(0, day: 0, close: 100), Bar(1, day: 1, close: 101), Bar(2, day: 12, close: 90)], sink);

        Assert.Empty(sink.DeadLetters);
        Assert.Equal(2, sink.Predictions.Count);
        Assert.Equal("2024-01-13T00:00:00.000Z", sink.PredictionJson(1).GetProperty("ts").GetString());
        // The price is written with 9 significant digits (ShortDecimal).
        double expectedPrice = 90 * Math.Exp(sink.PredictionJson(1).GetProperty("mean").GetDouble());
        Assert.Equal(expectedPrice, sink.PredictionJson(1).GetProperty("price").GetDouble(), 1.1e-8 * expectedPrice);
        var key = runtime.QueryKey("A")!;
        Assert.Equal(3, key.Steps);
        // The prediction made on day 1 was scored against ln(90 / 101), the return over the 11-day gap.
        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(1, summary.Scored);
        double mean = sink.PredictionJson(0).GetProperty("mean").GetDouble();
        Assert.Equal(Math.Abs(Math.Log(90.0 / 101) - mean), summary.ModelMae, 1e-15);
        Assert.Equal(Math.Abs(Math.Log(90.0 / 101)), summary.BaselineMae, 1e-15);
    }

    [Theory]
    [InlineData("\"\"", "close")]
    [InlineData("null", "close")]
    public void A_bar_with_an_empty_field_is_dead_lettered_and_the_next_return_spans_it(string empty, string field)
    {
        var definition = TestPipelines.Stocks();
        definition.Output.WarmupTargets = 0;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var bad = TestPipelines.Record(string.Create(CultureInfo.InvariantCulture,
            $"{{\"symbol\":\"A\",\"date\":\"2024-01-03\",\"open\":101,\"close\":{empty},\"volume\":1000}}"), offset: 2);
        runtime.Process([Bar(0, day: 0, close: 100), Bar(1, day: 1, close: 101), bad, Bar(3, day: 3, close: 103)], sink);

        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(2, dead.Offset);
        Assert.Equal(DeadLetterReason.MissingField, dead.Reason);
        Assert.Contains(field, dead.Detail, StringComparison.Ordinal);
        Assert.Equal(2, sink.Predictions.Count);
        Assert.Equal(3, sink.Predictions[1].Offset);
        Assert.Equal(3, runtime.QueryKey("A")!.Steps);
        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(1, summary.Scored);
        Assert.Equal(Math.Abs(Math.Log(103.0 / 101)), summary.BaselineMae, 1e-15);
    }

    [Theory]
    [InlineData(LateRecordPolicy.Apply, 3)]
    [InlineData(LateRecordPolicy.Drop, 2)]
    public void A_bar_older_than_the_keys_newest_follows_LateRecords(LateRecordPolicy policy, int steps)
    {
        var definition = TestPipelines.Stocks();
        definition.LateRecords = policy;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process([Bar(0, day: 0, close: 100), Bar(1, day: 5, close: 101), Bar(2, day: 3, close: 99)], sink);

        Assert.Empty(sink.DeadLetters);
        Assert.Equal(steps, runtime.QueryKey("A")!.Steps);
        Assert.Equal(steps - 1, sink.Predictions.Count);
        Assert.Equal(1, runtime.Counters.LateRecords);
        Assert.Equal(policy == LateRecordPolicy.Drop ? 1 : 0, runtime.Counters.SkippedLate);
    }

    private static InputRecord Bar(long offset, int day, double close) =>
        TestPipelines.Record(string.Create(CultureInfo.InvariantCulture,
            $"{{\"symbol\":\"A\",\"date\":\"{TestPipelines.Start.AddDays(day):yyyy-MM-dd}\",\"open\":{close - 1},\"close\":{close},\"volume\":{1000 + day}}}"),
            offset: offset);
}
