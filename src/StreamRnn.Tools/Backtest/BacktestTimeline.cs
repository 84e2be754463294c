using System.Globalization;
using System.Text;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The replay row by row, for analysis outside the report: <c>predictions.csv</c> (key, step, event time in ms, the
/// prediction made at that step, the target it is scored against — y of step + h — and the model version; then the
/// model's standard deviation and central 80% and 95% interval bounds as published (μ ∓ z·σ, or the key's calibrated
/// multipliers with a Linear path; Gaussian head), with a guarded Linear path the forecast before the guard
/// (<c>unguarded</c>), and each baseline's
/// forecast made at that step, one column per baseline, so every metric of the report can be recomputed from it) and
/// <c>alerts.csv</c> (key, event time in ms, raised or cleared, probability, severity). Empty cells are NaN.
/// </summary>
internal static class BacktestTimeline
{
    public static void Write(string directory, BacktestResult result, BacktestScores scores)
    {
        int h = result.Definition.Target.Horizon;
        var versions = new Dictionary<(string Key, long Time), long>();
        foreach (var prediction in result.Sink.Predictions)
        {
            versions[(prediction.Key, prediction.EventTimeUnixMs)] = prediction.ModelVersion;
        }

        bool unguarded = scores.Tracks.Any(t => t.Unguarded.Any(double.IsFinite));
        var text = new StringBuilder("key,step,time_ms,prediction,target,model_version,stddev,lo80,hi80,lo95,hi95");
        if (unguarded)
        {
            text.Append(",unguarded");
        }

        foreach (string? name in scores.Forecasters.Skip(1))
        {
            text.Append(',').Append(name);
        }

        // Target:Horizons: per horizon h its prediction, target (y of step + h over h steps), stddev and baselines.
        foreach (var (horizon, horizonScores) in scores.HorizonScores)
        {
            text.Append(CultureInfo.InvariantCulture, $",h{horizon}_prediction,h{horizon}_target,h{horizon}_stddev");
            foreach (string name in horizonScores.Forecasters.Skip(1))
            {
                text.Append(CultureInfo.InvariantCulture, $",h{horizon}_{name}");
            }
        }

        text.Append('\n');
        for (int trackIndex = 0; trackIndex < scores.Tracks.Count; trackIndex++)
        {
            var track = scores.Tracks[trackIndex];
            scores.Baselines.TryGetValue(track.Key, out var baselines);
            for (int j = 0; j < track.Steps; j++)
            {
                double target = j + h < track.Steps ? track.Y[j + h] : double.NaN;
                double mean = track.Mean[j], sigma = track.Spread[j];
                text.Append(CultureInfo.InvariantCulture,
                    $"{track.Key},{j},{track.Times[j]},{Cell(mean)},{Cell(target)},{(versions.TryGetValue((track.Key, track.Times[j]), out long v) ? v : 0)}");
                text.Append(CultureInfo.InvariantCulture,
                    $",{Cell(sigma)},{Cell(mean - track.Width80(j))},{Cell(mean + track.Width80(j))},{Cell(mean - track.Width95(j))},{Cell(mean + track.Width95(j))}");
                if (unguarded)
                {
                    text.Append(',').Append(Cell(track.Unguarded[j]));
                }

                foreach (var baseline in baselines ?? [])
                {
                    text.Append(',').Append(Cell(baseline.Forecast[j]));
                }

                foreach (var (horizon, horizonScores) in scores.HorizonScores)
                {
                    // The tracks of every horizon list the same keys in the same order.
                    var horizonTrack = horizonScores.Tracks[trackIndex];
                    double horizonTarget = j + horizon < horizonTrack.Steps ? horizonTrack.Y[j + horizon] : double.NaN;
                    text.Append(',').Append(Cell(horizonTrack.Mean[j])).Append(',').Append(Cell(horizonTarget))
                        .Append(',').Append(Cell(horizonTrack.Spread[j]));
                    horizonScores.Baselines.TryGetValue(track.Key, out var horizonBaselines);
                    foreach (var baseline in horizonBaselines ?? [])
                    {
                        text.Append(',').Append(Cell(baseline.Forecast[j]));
                    }
                }

                text.Append('\n');
            }
        }

        File.WriteAllText(Path.Combine(directory, "predictions.csv"), text.ToString());
        text.Clear().Append("key,time_ms,state,probability,severity\n");
        foreach (var alert in result.Sink.Alerts)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{alert.Key},{alert.EventTimeUnixMs},{(alert.Raised ? "raised" : "cleared")},{Cell(alert.Probability)},{alert.Severity}\n");
        }

        File.WriteAllText(Path.Combine(directory, "alerts.csv"), text.ToString());
    }

    private static string Cell(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);
}
