using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Scoring;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The shipped config/pipelines/bed-exit.json on the 8-trial sample, replayed trial after trial as docs/results.md
/// describes: the engine derives its label from in_bed, and the alerts clear floors set below the measured values.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BedExitPipelineTests
{
    private static string ShippedPipeline => RepositoryRoot.Combine("config/pipelines/bed-exit.json");

    [Fact]
    public void The_shipped_pipeline_learns_its_engine_derived_label_and_its_alerts_clear_the_floors()
    {
        var settings = new BacktestSettings(ShippedPipeline, BacktestFiles.BedExitCsv, "unused", TimeColumn: "time_s",
            EventColumn: "in_bed", EventValue: "0", DetectionGraceSeconds: 5, KeysInSequence: true);
        var result = new BacktestRunner(settings).Run();
        var scores = BacktestScoring.Score(result);
        var target = result.Definition.Target;
        Assert.Equal((TargetTransform.OutWithin, "in_bed", 0.0, 1), (target.Transform, target.Field, target.OutValue, target.Horizon));

        // Trials one after another: each starts 1 s after the previous one's last reading.
        var rows = result.Input.Rows;
        Assert.Equal(3038, rows.Length);
        var trials = rows.Select((row, offset) => (row, offset)).GroupBy(r => r.row.Key).ToList();
        Assert.Equal(8, trials.Count);
        for (int t = 1; t < trials.Count; t++)
        {
            Assert.Equal(trials[t - 1].Max(r => r.row.EventTimeUnixMs) + 1000, trials[t].Min(r => r.row.EventTimeUnixMs));
        }

        // The label, recomputed here from in_bed alone: y_j = out(j) ∨ out(j + 1). The engine scored exactly these
        // labels against its own predictions, so its prequential log-loss and Brier equal this recomputation.
        var probability = result.Sink.Predictions.ToDictionary(p => p.Offset, p => p.Mean);
        double logLoss = 0, brier = 0;
        int scored = 0;
        foreach (var trial in trials)
        {
            var steps = trial.OrderBy(r => r.offset).ToArray();
            for (int j = 0; j + 1 < steps.Length; j++)
            {
                double y = steps[j].row.Target == 0 || steps[j + 1].row.Target == 0 ? 1 : 0;
                double p = probability[steps[j].offset], q = Math.Clamp(p, 1e-7, 1 - 1e-7);
                logLoss -= y * Math.Log(q) + (1 - y) * Math.Log(1 - q);
                brier += (p - y) * (p - y);
                scored++;
            }
        }

        Assert.Equal(3030, scored);
        Assert.Equal(scored, result.EngineSummary.Scored);
        Assert.Equal(logLoss / scored, result.EngineSummary.ModelLogLoss, 9);
        Assert.Equal(brier / scored, result.EngineSummary.ModelBrier, 9);
        Assert.Equal(logLoss / scored, scores.Overall["model"].LogLoss, 9);

        // Floors below the values measured with the pipeline before CategoryAge and PositiveWeight auto (log-loss 0.280 vs base rate 0.461, Brier 0.0887 vs 0.131, 8 promotions;
        // detection with D = 5 s and arming: 3 alerts, 3 true, 3 of 13 exits; without arming it was 6 alerts, 2 true):
        // an untrained model, a broken label or arming that lets out-of-bed starts through falls through.
        Assert.True(result.Training.Promoted >= 3, $"promoted {result.Training.Promoted}");
        var model = scores.Overall["model"];
        var baseRate = scores.Overall["base_rate"];
        Assert.InRange(model.LogLoss, 0, Math.Min(0.35, baseRate.LogLoss));
        Assert.InRange(model.Brier, 0, Math.Min(0.11, baseRate.Brier));
        var detection = scores.DetectionQuality!;
        Assert.Equal((5.0, 13), (detection.GraceSeconds, detection.Events));
        Assert.InRange(detection.DetectedEvents, 2, 13);
        Assert.InRange(detection.Precision, 0.6, 1);
        Assert.InRange(detection.Alerts, 2, 8);

        // Arming on real data (by event time, Alerts:ArmAfter): every raise follows a stretch of consecutive predictions
        // of its trial with p below ClearThreshold lasting at least ArmAfter (first to last reading of the stretch),
        // since the trial's start or its previous clear.
        var alerts = result.Definition.Alerts!;
        Assert.Equal((0, TimeSpan.FromSeconds(10), 0.4, 0.2), (alerts.ArmReadings, alerts.ArmAfter, alerts.Threshold, alerts.ClearThreshold));
        foreach (var raise in result.Sink.Alerts.Where(a => a.Raised))
        {
            long since = result.Sink.Alerts.Where(a => !a.Raised && a.Key == raise.Key && a.EventTimeUnixMs < raise.EventTimeUnixMs)
                .Select(a => a.EventTimeUnixMs).DefaultIfEmpty(long.MinValue).Max();
            var before = result.Sink.Predictions.Where(p => p.Key == raise.Key && p.EventTimeUnixMs >= since && p.EventTimeUnixMs < raise.EventTimeUnixMs)
                .OrderBy(p => p.Offset).Select(p => (p.EventTimeUnixMs, p.Mean)).ToList();
            long longestCalm = -1, calmStart = -1;
            foreach (var (t, p) in before)
            {
                calmStart = p < alerts.ClearThreshold ? (calmStart < 0 ? t : calmStart) : -1;
                longestCalm = calmStart < 0 ? longestCalm : Math.Max(longestCalm, t - calmStart);
            }

            Assert.True(longestCalm >= (long)alerts.ArmAfter.TotalMilliseconds,
                $"{raise.Key} raised at {raise.EventTimeUnixMs} ms after a calm stretch of {longestCalm} ms");
        }

        var anticipation = scores.AlertQuality!;
        Assert.Equal(detection.Alerts, anticipation.Alerts);
        Assert.True(anticipation.TrueAlerts <= detection.TrueAlerts);
    }
}
