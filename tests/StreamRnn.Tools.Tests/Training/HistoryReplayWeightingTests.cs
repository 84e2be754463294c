using System.Text.Json.Nodes;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;
using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>
/// The offline trainer's windows carry Training:PositiveWeight as the online trainer's do: on the bundled bed-exit
/// sample, the shipped pipeline (<c>auto</c>) gives the same windows as with weight 1, except that every positive step's
/// weight is multiplied by w⁺ = n⁻ / n⁺ over the weighted steps of the windows so far, that window included.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HistoryReplayWeightingTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private (PipelineDefinition Definition, BacktestInput Input) Load(string positiveWeight)
    {
        var pipeline = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("config/pipelines/bed-exit.json")))!;
        pipeline["Training"]!["PositiveWeight"] = positiveWeight;
        string path = _scratch.Write($"bed-exit-{positiveWeight}.json", pipeline.ToJsonString());
        var definition = BacktestRunner.LoadPipeline(path);
        var input = BacktestInput.Load(new BacktestSettings(path, BacktestFiles.BedExitCsv, "", TimeColumn: "time_s"), definition);
        return (definition, input);
    }

    [Fact]
    public void Auto_weights_the_positive_steps_by_the_running_negative_to_positive_ratio()
    {
        var (plainDefinition, plainInput) = Load("1");
        var (autoDefinition, autoInput) = Load("auto");
        var weights = ModelWeights.Initialize(plainDefinition.CreateShape(), plainDefinition.Model.Seed);
        int validationStart = plainInput.Rows.Length * 4 / 5;
        var plain = HistoryReplay.Collect(plainDefinition, plainInput, weights, validationStart, 256);
        var weighted = HistoryReplay.Collect(autoDefinition, autoInput, weights, validationStart, 256);

        Assert.True(plain.Count > 100, $"{plain.Count} windows");
        Assert.Equal(plain.Count, weighted.Count);
        Assert.Equal(plain.TrainingCount, weighted.TrainingCount);
        double positives = 0, negatives = 0;
        int weightedSteps = 0;
        for (int w = 0; w < plain.Count; w++)
        {
            Assert.Equal(plain.Inputs(w).ToArray(), weighted.Inputs(w).ToArray());
            Assert.Equal(plain.Targets(w).ToArray(), weighted.Targets(w).ToArray());
            var targets = plain.Targets(w);
            var before = plain.TargetWeights(w);
            for (int t = 0; t < before.Length; t++)
            {
                if (before[t] > 0)
                {
                    if (targets[t] >= 0.5f)
                    {
                        positives += before[t];
                    }
                    else
                    {
                        negatives += before[t];
                    }
                }
            }

            float ratio = (float)(positives > 0 ? Math.Clamp(negatives / positives, 1, 1000) : 1);
            var after = weighted.TargetWeights(w);
            for (int t = 0; t < before.Length; t++)
            {
                float expected = before[t] > 0 && targets[t] >= 0.5f ? before[t] * ratio : before[t];
                Assert.Equal(expected, after[t]);
                weightedSteps += expected != before[t] ? 1 : 0;
            }
        }

        Assert.True(positives > 0 && negatives > positives, $"positives {positives}, negatives {negatives}");
        Assert.True(weightedSteps > 0, "no positive step was weighted");
    }

    public void Dispose() => _scratch.Dispose();
}
