using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Engine.Configuration;
using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>
/// <c>streamrnn-tools train</c> with a Categorical head on the bundled bed-exit sample's posture label: the model file it
/// writes holds the 4 classes, the best epoch beats the seed model, and the report's "mean" baseline is the
/// cross-entropy of the training windows' class frequencies.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CategoricalTrainTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Fact]
    public void Training_the_posture_head_writes_a_four_class_model_that_beats_the_seed_model()
    {
        var pipeline = BacktestFiles.PosturePipeline(p =>
        {
            p.AsObject().Remove("Alerts");
            p.AsObject().Remove("AlertTopic");
        });
        string path = _scratch.Write("bed-exit-categorical.json", pipeline.ToJsonString());
        string model = _scratch.Combine("model.srnn");

        var run = TrainRun.Start(["--pipeline", path, "--csv", BacktestFiles.BedExitCsv, "--time-column", "time_s",
            "--out", model, "--epochs", "3", "--seed", "1", "--report", _scratch.Combine("report")]);
        Assert.True(run.ExitCode == 0, run.Error);

        var shape = BacktestRunner.LoadPipeline(path).CreateShape();
        Assert.Equal(4, shape.Classes);
        using (var file = File.OpenRead(model))
        {
            Assert.Equal(shape, ModelWeights.ReadFrom(file).Shape);
        }

        var report = JsonDocument.Parse(File.ReadAllText(_scratch.Combine("report", "report.json"))).RootElement;
        var validation = report.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("validationLoss").GetDouble()).ToList();
        Assert.True(report.GetProperty("bestEpoch").GetInt32() > 0, "no epoch beat the seed model");
        double mean = report.GetProperty("baselines").GetProperty("mean").GetProperty("validationLoss").GetDouble();
        Assert.True(mean > 0 && mean < Math.Log(4) * 2, $"class-frequency baseline {mean}");
        Assert.All(validation, v => Assert.True(double.IsFinite(v)));
    }

    public void Dispose() => _scratch.Dispose();
}
