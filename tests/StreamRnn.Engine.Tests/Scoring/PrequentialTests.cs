using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class PrequentialTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Each_prediction_is_scored_h_steps_later_against_the_persistence_baseline(int horizon)
    {
        var definition = TestPipelines.Stocks(horizon: horizon);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var records = TestPipelines.StockRecords(500, keys: 7, seed: 8);
        runtime.Process(records, sink);

        // Independent computation: per key, y_t = ln(close_t / close_{t−h}) (the change over the horizon); predictions
        // are made from record h on (once close_{t−h} exists) and scored at t + h; the baseline predicts no change (0),
        // so its error is |y|.
        long scored = 0;
        double baselineAbs = 0, modelAbs = 0;
        var closes = records
            .Select(r => JsonDocument.Parse(r.Value).RootElement)
            .GroupBy(e => e.GetProperty("symbol").GetString()!)
            .ToDictionary(g => g.Key, g => g.Select(e => e.GetProperty("close").GetDouble()).ToList());
        var predictions = StateAssert.ByKey(sink);
        foreach (var (key, close) in closes)
        {
            var means = predictions[key].Select(j => JsonDocument.Parse(j).RootElement.GetProperty("mean").GetDouble()).ToList();
            Assert.Equal(close.Count - horizon, means.Count);
            for (int t = 2 * horizon; t < close.Count; t++)
            {
                double y = Math.Log(close[t] / close[t - horizon]);
                scored++;
                baselineAbs += Math.Abs(y);
                modelAbs += Math.Abs(y - means[t - 2 * horizon]);
            }
        }

        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(scored, summary.Scored);
        Assert.Equal(baselineAbs / scored, summary.BaselineMae, 1e-12);
        Assert.Equal(modelAbs / scored, summary.ModelMae, 1e-12);
        Assert.InRange(summary.Coverage80, 0, 1);
        Assert.InRange(summary.Coverage95, summary.Coverage80, 1);
        Assert.True(double.IsNaN(summary.ModelLogLoss));
        Assert.True(double.IsNaN(summary.ModelPrecision) && double.IsNaN(summary.ModelRecall));
    }

    [Fact]
    public void Binary_heads_get_log_loss_and_brier_against_the_base_rate()
    {
        var definition = new PipelineDefinition
        {
            Name = "bed-exit",
            InputTopic = "rfid",
            OutputTopic = "rfid.predictions",
            Features = [new FeatureOptions { Field = "rssi", Transform = FeatureTransform.ZScore }],
            Target = new TargetOptions { Field = "out" },
            Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 4, Head = HeadKind.Binary },
        };
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var random = new Random(1);
        var records = Enumerable.Range(0, 50)
            .Select(i => TestPipelines.Record($$"""{"rssi":{{random.Next(-70, -40)}},"out":{{(i % 3 == 0 ? "true" : "0")}}}""", i, "trial-1"))
            .ToArray();
        runtime.Process(records, sink);
        Assert.Equal(50, sink.Predictions.Count);
        double p = sink.PredictionJson(0).GetProperty("probability").GetDouble();
        Assert.InRange(p, 0, 1);
        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(49, summary.Scored);
        Assert.True(summary.ModelLogLoss > 0 && summary.BaselineLogLoss > 0);
        Assert.Equal(summary.ModelRmse * summary.ModelRmse, summary.ModelBrier, 1e-12);
        Assert.True(double.IsNaN(summary.Coverage80));

        runtime.Process([TestPipelines.Record("""{"rssi":-50,"out":2}""", 50, "trial-1")], sink);
        Assert.Equal(DeadLetterReason.WrongType, Assert.Single(sink.DeadLetters).Reason);
    }

    [Fact]
    public void Binary_heads_get_precision_and_recall_of_the_decision_p_at_least_one_half()
    {
        var definition = new PipelineDefinition
        {
            Name = "bed-exit",
            InputTopic = "rfid",
            OutputTopic = "rfid.predictions",
            Features = [new FeatureOptions { Field = "rssi", Transform = FeatureTransform.Raw }],
            Target = new TargetOptions { Field = "out" },
            Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 4, Head = HeadKind.Binary, Seed = 3 },
        };
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var random = new Random(4);

        // rssi spread wide enough that the untrained model's probability falls on both sides of 0.5.
        int[] rssi = Enumerable.Range(0, 200).Select(_ => random.Next(-6, 7)).ToArray();
        int[] labels = Enumerable.Range(0, 200).Select(_ => random.Next(3) == 0 ? 1 : 0).ToArray();
        var records = Enumerable.Range(0, 200)
            .Select(i => TestPipelines.Record($$"""{"rssi":{{rssi[i]}},"out":{{labels[i]}}}""", i, "bed-1"))
            .ToArray();
        runtime.Process(records, sink);

        // Prediction t (made with record t) is scored against record t + 1's label.
        int tp = 0, fp = 0, fn = 0;
        for (int t = 0; t + 1 < 200; t++)
        {
            bool predicted = sink.PredictionJson(t).GetProperty("probability").GetDouble() >= 0.5;
            bool actual = labels[t + 1] == 1;
            tp += predicted && actual ? 1 : 0;
            fp += predicted && !actual ? 1 : 0;
            fn += !predicted && actual ? 1 : 0;
        }

        Assert.True(tp > 0 && fp > 0 && fn > 0, $"tp {tp}, fp {fp}, fn {fn}: the data does not exercise every case");
        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(199, summary.Scored);
        Assert.Equal(tp / (double)(tp + fp), summary.ModelPrecision, 1e-12);
        Assert.Equal(tp / (double)(tp + fn), summary.ModelRecall, 1e-12);
        Assert.True(double.IsNaN(summary.Coverage95));
    }
}
