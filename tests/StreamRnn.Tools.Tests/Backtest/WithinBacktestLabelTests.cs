using System.Text.Json.Nodes;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Configuration;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// Target:Within on the bundled 8-trial bed-exit sample (the shipped pipeline with an OutWithin label of W = 3 s, h = 40
/// readings as the cap, 56-step training windows), replayed trial after trial: the labels recomputed here from in_bed and time_s alone, the
/// backtest's own labels and the engine's (scored against its predictions in its prequential summary) agree exactly.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WithinBacktestLabelTests
{
    private const int Horizon = 40;
    private const long WithinMs = 3_000;

    [Fact]
    public void The_backtest_and_the_engine_label_every_step_alike()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"within-labels-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var pipeline = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("config/pipelines/bed-exit.json")))!;
            pipeline["Target"] = JsonNode.Parse($$"""{ "Field": "in_bed", "Transform": "OutWithin", "OutValue": 0, "Horizon": {{Horizon}}, "Within": "00:00:03" }""");
            pipeline["Training"]!["WindowSteps"] = 56; // a window trains on the steps whose label arrived inside it: > h
            string path = Path.Combine(directory, "bed-exit-within.json");
            File.WriteAllText(path, pipeline.ToJsonString());

            var settings = new BacktestSettings(path, BacktestFiles.BedExitCsv, "unused", TimeColumn: "time_s",
                EventColumn: "in_bed", EventValue: "0", DetectionGraceSeconds: 5, KeysInSequence: true);
            var result = new BacktestRunner(settings).Run();
            Assert.Equal(TimeSpan.FromSeconds(3), result.Definition.Target.Within);
            Assert.Empty(result.Sink.DeadLetters);
            var scores = BacktestScoring.Score(result);

            // y_j = 1 iff in_bed is 0 at some step i in [j, j + 40] of the trial with time_i − time_j ≤ 3 s (the replay's
            // times never go back within a trial, so the running maximum is the time itself).
            var probability = result.Sink.Predictions.ToDictionary(p => p.Offset, p => p.Mean);
            double logLoss = 0, brier = 0;
            int scored = 0, positives = 0, stepPositives = 0;
            foreach (var trial in result.Input.Rows.Select((row, offset) => (row, offset)).GroupBy(r => r.row.Key))
            {
                var steps = trial.OrderBy(r => r.offset).ToArray();
                for (int j = 0; j + Horizon < steps.Length; j++)
                {
                    Assert.True(steps[j + 1].row.EventTimeUnixMs >= steps[j].row.EventTimeUnixMs);
                    var window = steps[j..(j + Horizon + 1)];
                    double y = window.Any(s => s.row.Target == 0 && s.row.EventTimeUnixMs - steps[j].row.EventTimeUnixMs <= WithinMs) ? 1 : 0;
                    positives += (int)y;
                    stepPositives += window.Any(s => s.row.Target == 0) ? 1 : 0;
                    double p = probability[steps[j].offset], q = Math.Clamp(p, 1e-7, 1 - 1e-7);
                    logLoss -= y * Math.Log(q) + (1 - y) * Math.Log(1 - q);
                    brier += (p - y) * (p - y);
                    scored++;
                }
            }

            // 3038 rows in 8 trials, 40 steps of each unresolved; W is what decides: far fewer positives than by
            // steps alone (40 readings span about 45 s at this sample's 0.9 readings a second).
            Assert.Equal(3038 - 8 * Horizon, scored);
            Assert.InRange(positives, 1, stepPositives - 100);
            Assert.Equal(scored, result.EngineSummary.Scored);
            Assert.Equal(logLoss / scored, result.EngineSummary.ModelLogLoss, 9);
            Assert.Equal(brier / scored, result.EngineSummary.ModelBrier, 9);
            Assert.Equal(logLoss / scored, scores.Overall["model"].LogLoss, 9);
            Assert.Equal(brier / scored, scores.Overall["model"].Brier, 9);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
