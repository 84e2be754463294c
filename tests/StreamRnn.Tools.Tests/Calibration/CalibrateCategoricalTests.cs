using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Tools.Tests.Calibration;

/// <summary>
/// <c>streamrnn-tools calibrate</c> on a posture (Categorical) head: the shipped bed-exit pipeline with the trials'
/// activity label as its target (out-of-bed postures 2 and 4 as the event), calibrated on trials 1–4 of the bundled
/// sample. The threshold is chosen on the event probability (the Positive classes' sum) exactly as for a Binary head,
/// and the written pipeline keeps the head and backtests from its model.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CalibrateCategoricalTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    [Fact]
    public void A_posture_head_is_calibrated_on_its_event_probability_and_the_written_pipeline_runs_from_its_model()
    {
        var source = BacktestFiles.PosturePipeline(p => p["Training"]!["PositiveWeight"] = "auto");
        string input = _scratch.Write("posture.json", source.ToJsonString());
        string output = _scratch.Combine("calibrated");

        var (code, stdout, error) = CalibrateCommandTests.Invoke("calibrate", "--pipeline", input, "--csv", BacktestFiles.BedExitCsv,
            "--time-column", "time_s", "--event-column", "in_bed", "--event-value", "0", "--keys", CalibrateCommandTests.FirstHalf,
            "--thresholds", "0.3,0.5,0.7", "--out", output);

        Assert.True(code == 0, error);
        var calibration = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "calibration.json"))).RootElement;
        var rows = calibration.GetProperty("thresholds").EnumerateArray().ToList();
        Assert.Equal([0.3, 0.5, 0.7], rows.Select(r => r.GetProperty("threshold").GetDouble()));
        Assert.All(rows, r => Assert.Equal(6, r.GetProperty("events").GetInt32()));
        double bestF1 = rows.Max(r => r.GetProperty("f1").GetDouble());
        double expected = rows.Where(r => r.GetProperty("f1").GetDouble() == bestF1).Max(r => r.GetProperty("threshold").GetDouble());
        Assert.Equal(expected, calibration.GetProperty("chosen").GetProperty("threshold").GetDouble());
        Assert.Contains($"threshold {expected:0.###} (clear ", stdout, StringComparison.Ordinal);

        string written = Path.Combine(output, "pipeline.json");
        var pipeline = PipelineDefinition.Load(written);
        Assert.Empty(pipeline.Validate(written));
        Assert.Equal(HeadKind.Categorical, pipeline.Model.Head);
        Assert.Equal(expected, pipeline.Alerts!.Threshold);
        using (var model = File.OpenRead(pipeline.Model.File!))
        {
            Assert.Equal(calibration.GetProperty("model").GetProperty("version").GetInt64(),
                ModelWeights.ReadFrom(model, pipeline.CreateShape()).Version);
        }

        // The calibrated pipeline scores the other half from its model (Model:File), every prediction an event probability.
        var result = new BacktestRunner(new BacktestSettings(written, BacktestFiles.BedExitCsv, _scratch.Combine("scored"),
            TimeColumn: "time_s", EventColumn: "in_bed", EventValue: "0", DetectionGraceSeconds: 5, KeysInSequence: true,
            Keys: [CalibrateCommandTests.SecondHalf])).Run();
        Assert.Equal(result.Input.Rows.Length, result.Sink.Predictions.Count);
        Assert.All(result.Sink.Predictions, p => Assert.InRange(p.Mean, 0.0, 1.0));
        Assert.All(result.Sink.Predictions, p => Assert.NotEqual(1L, p.ModelVersion));
        Assert.Equal(7, BacktestScoring.Score(result).DetectionQuality!.Events);
    }

    public void Dispose() => _scratch.Dispose();
}
