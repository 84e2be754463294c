using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Alerts;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The per-room calibration protocol of docs/results.md replayed on the bundled 8-trial sample with the shipped
/// config/pipelines/bed-exit.json: calibrate on trials 1–4 (20 passes, --save-model), score trials 5–8 from that model
/// (--model), then the reverse; detection counts of both directions summed and held above floors.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BedExitCalibrationTests
{
    private static string ShippedPipeline => RepositoryRoot.Combine("config/pipelines/bed-exit.json");

    [Fact]
    public void Calibrated_on_one_half_and_scored_on_the_other_the_shipped_pipeline_clears_the_floors()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"bedexit-calibration-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            int alerts = 0, trueAlerts = 0, events = 0, detected = 0;
            foreach (var (calibrate, score) in new[] { ("d1p01M..d1p04M", "d1p05M..d1p08F"), ("d1p05M..d1p08F", "d1p01M..d1p04M") })
            {
                string model = Path.Combine(directory, $"{calibrate.Replace("..", "-")}.srnn");
                var calibration = new BacktestRunner(Settings(calibrate) with { Passes = 20, SaveModelPath = model }).Run();
                Assert.Equal(20, calibration.Training.Passes);
                Assert.True(File.Exists(model));

                var result = new BacktestRunner(Settings(score) with { ModelPath = model }).Run();
                Assert.All(result.Input.Rows, row => Assert.Contains(row.Key, Trials(score)));
                var detection = BacktestScoring.Score(result).DetectionQuality!;
                (alerts, trueAlerts, events, detected) = (alerts + detection.Alerts, trueAlerts + detection.TrueAlerts,
                    events + detection.Events, detected + detection.DetectedEvents);
            }

            // The sample's 13 exits, both halves scored once each. Measured (seed 13, 20 passes, 2026-12-04, arming
            // by ArmAfter 10 s; the same with the earlier ArmReadings 10, and with PositiveWeight 1 as with auto): 6 alerts, 3 true, 3 of 13 exits (recall
            // 0.23, precision 0.5); earlier 8 alerts, 3 true; with 3 or 5 passes 0 of 13 — four trials are little to
            // calibrate on. The floors sit below the measured values so that an untrained model, a broken hand-over
            // (--save-model / --model) or a collapsed "never out of bed" model (no alert) falls through.
            Assert.Equal(13, events);
            double recall = (double)detected / events, precision = alerts == 0 ? 0 : (double)trueAlerts / alerts;
            Assert.True(recall >= RecallFloor, $"recall {recall:F3} ({detected}/{events})");
            Assert.True(precision >= PrecisionFloor, $"precision {precision:F3} ({trueAlerts}/{alerts})");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private const double RecallFloor = 0.15;
    private const double PrecisionFloor = 0.3;

    private static BacktestSettings Settings(string keys) => new(ShippedPipeline, BacktestFiles.BedExitCsv, "unused",
        TimeColumn: "time_s", EventColumn: "in_bed", EventValue: "0", DetectionGraceSeconds: 5, KeysInSequence: true,
        Keys: [keys]);

    private static HashSet<string> Trials(string range) => range.StartsWith("d1p01M", StringComparison.Ordinal)
        ? ["d1p01M", "d1p02M", "d1p03M", "d1p04M"]
        : ["d1p05M", "d1p06M", "d1p07M", "d1p08F"];
}
