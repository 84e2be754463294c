using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Engine.Tests;

/// <summary>A Difference target at horizon h is the change from now to h steps ahead: y[t+h] = x[t+h] − x[t].</summary>
[Trait("Category", "Unit")]
public sealed class ChangeHorizonTests
{
    private static PipelineDefinition Definition(int horizon) => new()
    {
        Name = "levels",
        InputTopic = "levels",
        OutputTopic = "level-predictions",
        Features = [new FeatureOptions { Field = "x", Transform = FeatureTransform.Difference }],
        Target = new TargetOptions { Field = "x", Transform = TargetTransform.Difference, Horizon = horizon },
        Model = new ModelOptions { Cell = CellKind.Gru, HiddenSize = 4, Layers = 1, Head = HeadKind.Gaussian, Seed = 3 },
        Normalization = new NormalizationOptions { HalfLife = 0 },
        Output = new OutputOptions { WarmupTargets = 0 },
    };

    [Fact]
    public void The_target_is_the_change_over_the_horizon_and_level_is_now_plus_the_forecast_change()
    {
        const int h = 3;
        var runtime = TestPipelines.Runtime(Definition(h));
        var sink = new RecordingSink();
        double[] x = [10, 11, 13, 16, 20, 25, 31];
        for (int t = 0; t < x.Length; t++)
        {
            string json = string.Create(CultureInfo.InvariantCulture, $"{{\"x\":{x[t]}}}");
            runtime.Process([TestPipelines.Record(json, offset: t, key: "k", timestamp: 1_700_000_000_000 + t)], sink);
        }

        // No forecast until x[t−h] exists; then the target statistics hold the h-step changes 6, 9, 12, 15.
        Assert.Equal(x.Length - h, sink.Predictions.Count);
        double[] statistics = runtime.Dump().Single().Statistics;
        Assert.Equal(4, statistics[^3]); // n
        Assert.Equal((6 + 9 + 12 + 15) / 4.0, statistics[^2], 12); // μ
        for (int i = 0; i < sink.Predictions.Count; i++)
        {
            var json = sink.PredictionJson(i);
            Assert.Equal(h, json.GetProperty("horizon").GetInt32());
            Assert.Equal(x[i + h] + json.GetProperty("mean").GetDouble(), json.GetProperty("level").GetDouble(), 6);
        }

        // The forecast made at t = 3 is scored against x[6] − x[3] = 15 when x[6] arrives.
        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(1, summary.Scored);
        Assert.Equal(15, summary.BaselineMae); // no change forecast: |0 − 15|
    }
}
