using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using StreamRnn.Core;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>
/// Model:BootstrapCsv with Target:Horizons: the daemon's initial model is trained on the history (every horizon's
/// targets, as <c>streamrnn-tools train</c>) and has one head output group per horizon.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HorizonsBootstrapTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void A_Horizons_pipeline_bootstraps_a_model_of_every_horizon_from_its_history()
    {
        var csv = new StringBuilder("t,value\n");
        for (int t = 0; t < 600; t++)
        {
            double x = Math.Round(10 + 3 * Math.Sin(t / 5.0) + (t * 7919 % 13) / 10.0, 3);
            csv.Append(CultureInfo.InvariantCulture, $"{1_000_000 + 60 * t},{x:R}\n");
        }

        _scratch.Write("history.csv", csv.ToString());
        string pipeline = _scratch.Write("multi.json", """
            {
              "Name": "multi", "InputTopic": "in.multi", "OutputTopic": "out.multi", "DeadLetterTopic": "dead",
              "Key": { "Source": "RecordKey" }, "EventTime": { "Source": "RecordTimestamp" },
              "Features": [ { "Field": "value", "Transform": "Difference" }, { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Difference", "Horizons": [1, 3] },
              "Model": { "Cell": "Gru", "HiddenSize": 6, "Layers": 1, "Head": "Gaussian", "Seed": 3,
                         "BootstrapCsv": "history.csv", "BootstrapTimeColumn": "t" },
              "Training": { "Enabled": false, "WindowSteps": 12, "BatchWindows": 4, "LearningRate": 0.01 }
            }
            """);
        var definition = PipelineDefinition.Load(pipeline);
        var shape = definition.CreateShape();
        var weights = InitialModel.Resolve(definition, shape, _scratch.Path, NullLogger.Instance);
        Assert.NotNull(weights);
        Assert.Equal(2, weights.Shape.Horizons);
        Assert.True(weights.Version > 1, $"version {weights.Version}: no epoch beat the seed");
        Assert.NotEqual(ModelWeights.Initialize(shape, 3).Parameters.ToArray(), weights.Parameters.ToArray());
    }
}
