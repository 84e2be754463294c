using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Alerts;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// A Categorical head on the trials' posture label (1 sit on bed, 2 sit on chair, 3 lying, 4 ambulating; 2 and 4 out
/// of bed) through the backtest: the shipped bed-exit pipeline with only its Target, Model:Head and Training:PositiveWeight (auto) changed,
/// calibrated on trials 1–4 of the bundled sample (--passes, --save-model) and scored on trials 5–8 (--model), then
/// the reverse. Every prediction is an event probability in [0, 1] scored against the out-of-bed label, the model's
/// log-loss beats the base rate, and the alerts are scored against the in_bed exits exactly as for a Binary head.
/// </summary>
[Trait("Category", "Integration")]
public sealed class CategoricalBackTests
{
    [Fact]
    public void Calibrated_and_scored_on_the_sample_the_posture_head_predicts_the_out_of_bed_event_and_its_alerts_are_scored()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"bedexit-categorical-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            // Per-class inverse running frequency, as bench/bedexit/bed-exit-categorical.json (the shipped Binary pipeline is unweighted).
            var pipeline = BacktestFiles.PosturePipeline(p => p["Training"]!["PositiveWeight"] = "auto");
            string path = Path.Combine(directory, "bed-exit-categorical.json");
            File.WriteAllText(path, pipeline.ToJsonString());

            int alerts = 0, trueAlerts = 0, events = 0, detected = 0;
            foreach (var (calibrate, score) in new[] { ("d1p01M..d1p04M", "d1p05M..d1p08F"), ("d1p05M..d1p08F", "d1p01M..d1p04M") })
            {
                string model = Path.Combine(directory, $"{calibrate.Replace("..", "-")}.srnn");
                var calibration = new BacktestRunner(Settings(path, calibrate) with { Passes = 20, SaveModelPath = model }).Run();
                Assert.Equal(20, calibration.Training.Passes);
                Assert.True(File.Exists(model));

                var result = new BacktestRunner(Settings(path, score) with { ModelPath = model }).Run();
                Assert.Equal(result.Input.Rows.Length, result.Sink.Predictions.Count);
                Assert.All(result.Sink.Predictions, p => Assert.InRange(p.Mean, 0.0, 1.0));
                var scores = BacktestScoring.Score(result);
                var forecaster = scores.Overall["model"];
                Assert.Equal(result.Input.Rows.Length - 4, forecaster.Scored); // the last reading of each trial has no next label
                Assert.True(forecaster.LogLoss < scores.Overall["base_rate"].LogLoss,
                    $"model log-loss {forecaster.LogLoss:F4} vs base rate {scores.Overall["base_rate"].LogLoss:F4}");
                var detection = scores.DetectionQuality!;
                (alerts, trueAlerts, events, detected) = (alerts + detection.Alerts, trueAlerts + detection.TrueAlerts,
                    events + detection.Events, detected + detection.DetectedEvents);
            }

            Assert.Equal(13, events);
            Assert.True(alerts > 0, "a collapsed model raises no alert");
            Assert.True(detected >= 1 && trueAlerts >= 1, $"{detected} of 13 exits detected, {trueAlerts} of {alerts} alerts true");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static BacktestSettings Settings(string pipeline, string keys) => new(pipeline, BacktestFiles.BedExitCsv, "unused",
        TimeColumn: "time_s", EventColumn: "in_bed", EventValue: "0", DetectionGraceSeconds: 5, KeysInSequence: true,
        Keys: [keys]);
}
