using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class MicroBatchingTests
{
    [Fact]
    public void Predictions_follow_each_keys_offset_order_and_skip_the_first_record_without_history()
    {
        var records = TestPipelines.StockRecords(200, keys: 5);
        var runtime = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        runtime.Process(records, sink);

        Assert.Empty(sink.DeadLetters);
        Assert.Equal(200 - 5, sink.Predictions.Count);
        foreach (var group in sink.Predictions.GroupBy(p => p.Key))
        {
            var offsets = group.Select(p => p.Offset).ToList();
            var expected = records.Select((r, i) => (r, i))
                .Where(x => JsonDocument.Parse(x.r.Value).RootElement.GetProperty("symbol").GetString() == group.Key)
                .Select(x => x.r.Offset).Skip(1).ToList();
            Assert.Equal(expected, offsets);
        }

        var first = sink.PredictionJson(0);
        Assert.Equal("stocks", first.GetProperty("pipeline").GetString());
        Assert.Equal(1, first.GetProperty("model_version").GetInt64());
        Assert.Equal(1, first.GetProperty("horizon").GetInt32());
        Assert.Equal("close", first.GetProperty("target_field").GetString());
        Assert.Equal("prices", first.GetProperty("source").GetProperty("topic").GetString());
        Assert.True(first.GetProperty("stddev").GetDouble() > 0);
        Assert.True(first.TryGetProperty("mean", out _));
        Assert.True(first.GetProperty("price").GetDouble() > 0);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT00:00:00\.000Z$", first.GetProperty("ts").GetString());
        Assert.Equal(195, runtime.Counters.PredictionsProduced);
        Assert.Equal(200, runtime.Counters.RecordsApplied);
    }

    [Theory]
    [InlineData(CellKind.Lstm, 256, 1)]
    [InlineData(CellKind.Lstm, 3, 1)]
    [InlineData(CellKind.Gru, 7, 2)]
    [InlineData(CellKind.Rnn, 256, 3)]
    public void Batched_processing_is_bit_identical_to_one_record_at_a_time(CellKind cell, int maxBatch, int horizon)
    {
        var records = TestPipelines.StockRecords(600, keys: 40, seed: 11);
        var definition = TestPipelines.Stocks(cell, hidden: 12, horizon: horizon);
        definition.MaxBatch = maxBatch;
        var batched = TestPipelines.Runtime(definition);
        var single = TestPipelines.Runtime(definition);
        var batchedSink = new RecordingSink();
        var singleSink = new RecordingSink();

        for (int start = 0; start < records.Length; start += 150)
        {
            batched.Process(records.AsSpan(start, Math.Min(150, records.Length - start)), batchedSink);
        }

        foreach (var record in records)
        {
            single.Process([record], singleSink);
        }

        StateAssert.BitIdentical(single, batched);
        Assert.Equal(StateAssert.ByKey(singleSink), StateAssert.ByKey(batchedSink));
        // Same scores; only the order of summation across keys differs.
        var expected = single.GetPrequentialSummary();
        var actual = batched.GetPrequentialSummary();
        Assert.Equal(expected.Scored, actual.Scored);
        Assert.Equal(expected.ModelMae, actual.ModelMae, 1e-15);
        Assert.Equal(expected.BaselineRmse, actual.BaselineRmse, 1e-15);
        Assert.Equal(expected.Coverage80, actual.Coverage80);
        Assert.Equal(600 - 40 * horizon, batchedSink.Predictions.Count); // a key forecasts once it has x[t−h]
    }

    [Fact]
    public void Replayed_offsets_are_skipped_and_counted()
    {
        var records = TestPipelines.StockRecords(150, keys: 4, seed: 5);
        var once = TestPipelines.Runtime(TestPipelines.Stocks());
        once.Process(records, new RecordingSink());

        var replayed = TestPipelines.Runtime(TestPipelines.Stocks());
        var sink = new RecordingSink();
        replayed.Process(records.AsSpan(0, 100), sink);
        int before = sink.Predictions.Count;
        replayed.Process(records.AsSpan(50, 100), sink); // 50..99 again, then 100..149
        Assert.Equal(50, replayed.Counters.SkippedDuplicates);
        Assert.Equal(150, replayed.Counters.RecordsApplied);
        Assert.Equal(50, sink.Predictions.Count - before);
        StateAssert.BitIdentical(once, replayed);

        // A duplicate inside one call is skipped too.
        replayed.Process([records[149], records[149]], sink);
        Assert.Equal(52, replayed.Counters.SkippedDuplicates);
    }

    [Theory]
    [InlineData(LateRecordPolicy.Apply)]
    [InlineData(LateRecordPolicy.Drop)]
    public void Late_records_follow_the_policy_and_are_counted(LateRecordPolicy policy)
    {
        var definition = TestPipelines.Stocks();
        definition.LateRecords = policy;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process(
        [
            TestPipelines.Record("""{"symbol":"A","date":"2024-01-05","open":1,"close":10,"volume":1}""", 0),
            TestPipelines.Record("""{"symbol":"A","date":"2024-01-06","open":1,"close":11,"volume":1}""", 1),
            TestPipelines.Record("""{"symbol":"A","date":"2024-01-03","open":1,"close":12,"volume":1}""", 2),
            TestPipelines.Record("""{"symbol":"A","date":"2024-01-07","open":1,"close":13,"volume":1}""", 3),
        ], sink);

        Assert.Equal(1, runtime.Counters.LateRecords);
        var summary = runtime.QueryKey("A")!;
        Assert.Equal(new DateTimeOffset(2024, 1, 7, 0, 0, 0, TimeSpan.Zero), summary.LastEventTime);
        if (policy == LateRecordPolicy.Drop)
        {
            Assert.Equal(1, runtime.Counters.SkippedLate);
            Assert.Equal(3, summary.Steps);
            Assert.Equal([1L, 3L], sink.Predictions.Select(p => p.Offset));
        }
        else
        {
            Assert.Equal(0, runtime.Counters.SkippedLate);
            Assert.Equal(4, summary.Steps);
            Assert.Equal([1L, 2L, 3L], sink.Predictions.Select(p => p.Offset));
        }
    }

    [Fact]
    public void Predictions_name_the_weights_in_use_and_a_new_version_is_taken_between_calls()
    {
        var definition = TestPipelines.Stocks();
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var records = TestPipelines.StockRecords(20, keys: 1);
        runtime.Process(records.AsSpan(0, 10), sink);
        runtime.Weights = ModelWeights.Initialize(definition.CreateShape(), 99, version: 2);
        runtime.Process(records.AsSpan(10, 10), sink);
        Assert.Equal(Enumerable.Repeat(1L, 9).Concat(Enumerable.Repeat(2L, 10)),
            sink.Predictions.Select((_, i) => sink.PredictionJson(i).GetProperty("model_version").GetInt64()));
        Assert.Equal(2, runtime.QueryKey("S0")!.ModelVersion);

        var wrong = ModelWeights.Initialize(new ModelShape(CellKind.Lstm, 3, 8, 1, HeadKind.Gaussian), 1);
        var exception = Assert.Throws<ArgumentException>(() => runtime.Weights = wrong);
        Assert.Contains("do not fit pipeline 'stocks'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void De_normalised_prediction_matches_the_head_output_by_hand()
    {
        // Linear head, raw target: value = μ_y + σ_y · out, checked against a single Step of the core.
        var definition = TestPipelines.Sensors();
        definition.Normalization.HalfLife = 0;
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        double[] temperatures = [20, 22, 27];
        for (int i = 0; i < temperatures.Length; i++)
        {
            runtime.Process([TestPipelines.Record($$"""{"temperature":{{temperatures[i]}},"load":0.5,"mode":"run"}""", i, "dev")], sink);
        }

        var shape = definition.CreateShape();
        var network = new RecurrentNetwork(shape, 1);
        var weights = TestPipelines.Weights(definition);
        float[] state = new float[shape.StateSize];
        float[] head = new float[shape.HeadOutputSize];
        double n = 0, mean = 0, variance = 0;
        for (int i = 0; i < temperatures.Length; i++)
        {
            n++;
            double d = temperatures[i] - mean;
            mean += d / n;
            variance = (1 - 1 / n) * (variance + d * d / n);
            double sd = Math.Max(Math.Sqrt(variance), 1e-6);
            float z = (float)Math.Clamp((temperatures[i] - mean) / sd, -10, 10);
            Assert.Equal(StepStatus.Ok, network.Step(weights, [z, 0.5f, 0, 1, 0], state, head));
            double expected = mean + sd * head[0];
            Assert.Equal(expected, sink.PredictionJson(i).GetProperty("value").GetDouble(), 12);
        }

        Assert.Equal(StateAssert.Bits(state), StateAssert.Bits(runtime.StateOf("dev")!));
    }
}
