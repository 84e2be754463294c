using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Scores a replay from the data and the prediction records alone: the target of a prediction made at a key's step j
/// is the target h steps of that key later, recomputed here from the CSV values, and the naive baselines are made at
/// the same steps from the key's past. No engine internals are read, so the report checks the engine rather than
/// repeating it.
/// </summary>
/// <remarks>
/// <para>Steps are a key's applied records: rows not dead-lettered (a NumericalError is dead-lettered after its step,
/// so it stays a step). Target units: y_j = x_j (Raw and Binary), x_j − x_{j−h} (Difference), ln(x_j / x_{j−h})
/// (LogReturn): a change target is the change over the horizon, so the forecast made at j is of x_{j+h} − x_j. A forecast made at step j is scored when j + h exists and y_{j+h} is finite; every forecaster is
/// scored on the same forecasts as the model. For the event labels (Exit, OutWithin) y_t is the label of step t − h,
/// which becomes known at t: with out(i) ⇔ x_i = Target:OutValue, Exit: y_t = ¬out(t−h) ∧ ∃ i ∈ (t−h, t]: out(i);
/// OutWithin: y_t = ∃ i ∈ [t−h, t]: out(i); NaN for t &lt; h; with Target:Within the out step must also be within W of
/// step t − h in event time (<see cref="TimedEventLabels"/>).</para>
/// <para>Regression baselines (<see cref="RegressionBaselines"/>): persistence, mean, ar (online AR(p) by recursive
/// least squares, --ar-order, --ar-forgetting) and with --season seasonal_naive. Binary baselines: base rate p = mean of
/// y_0..y_j; persistence p = y_j (for both, 0.5 while no y is known yet); rule, the best single-input threshold rule
/// refitted on the data seen so far (<see cref="ThresholdRuleBaseline"/>). Precision and recall are of the watched
/// outcome (y, or 1 − y when the alerts watch the complement) flagged by watched probability ≥ the alert threshold
/// (0.5 without alerts), or by the rule itself for "rule". The best baseline is the one with the lowest MAE (log-loss
/// for a Binary head) over all keys.</para>
/// <para>For pipelines with Alerts, the events are the steps where --event-column turns to --event-value (in_bed
/// turning 0: a bed exit), or without it the onsets of the watched outcome in the target field; alert quality compares
/// them with the raised alerts (<see cref="AlertQualityEvaluator"/>).</para>
/// </remarks>
internal static class BacktestScoring
{
    public static BacktestScores Score(BacktestResult result)
    {
        var scores = Score(result, -1);
        if (result.Definition.Target.Horizons is null)
        {
            return scores;
        }

        // Target:Horizons: each horizon scored on its own forecasts (the "horizons" array), targets and baselines at h_k.
        int[] horizons = result.Definition.Target.HorizonList();
        return scores with { HorizonScores = [.. horizons.Select((h, k) => (h, Score(result, k)))] };
    }

    /// <summary>
    /// Scores the top-level forecasts (<paramref name="horizonIndex"/> −1, at Target:Horizon) or horizon k of
    /// Target:Horizons: its forecast from the prediction's "horizons" array, its target y_{j+h_k} with the transform taken
    /// over h_k steps, and the baselines made for horizon h_k (persistence: no change over h_k steps; AR(p) direct h_k-step).
    /// </summary>
    private static BacktestScores Score(BacktestResult result, int horizonIndex)
    {
        var definition = result.Definition;
        var head = definition.Model.Head;
        bool binary = head.IsClassifier();
        int h = horizonIndex < 0 ? definition.Target.Horizon : definition.Target.HorizonList()[horizonIndex];
        var tracks = BuildTracks(result, h, horizonIndex);
        var settings = result.Settings;
        var alerts = definition.Alerts;
        bool complement = alerts?.Watch == WatchedProbability.Complement;
        double threshold = binary ? alerts?.Threshold ?? 0.5 : double.NaN;
        var transform = definition.Target.Transform;
        bool eventColumn = result.Settings.EventColumn is not null;
        Dictionary<KeyTrack, BaselineSeries>? rules = null;
        string? rule = null;
        if (binary)
        {
            (rules, rule) = ThresholdRuleBaseline.Fit(tracks, result.Input.Rows, RuleFields(definition), h, complement);
        }

        int arOrder = settings.ArOrderFor(definition);
        double arForgetting = settings.ArForgettingFor(definition);
        int? season = settings.SeasonFor(definition);
        var baselinesOfTrack = new Dictionary<string, IReadOnlyList<BaselineSeries>>(StringComparer.Ordinal);
        foreach (var track in tracks)
        {
            baselinesOfTrack[track.Key] = binary
                ? [.. BinaryBaselines(track), rules![track]]
                : RegressionBaselines.For(track, h, transform, arOrder, arForgetting, season);
        }

        string[] forecasters = binary ? ["model", "base_rate", "persistence", "rule"] : ["model", .. RegressionBaselines.Names(arOrder, season)];
        var overall = forecasters.Select(_ => new ForecastAccumulator()).ToArray();
        var perKey = new List<KeyScore>(tracks.Count);
        var events = new List<KeyedInstant>();
        foreach (var track in tracks)
        {
            var accumulators = forecasters.Select(_ => new ForecastAccumulator()).ToArray();
            var baselines = baselinesOfTrack[track.Key];
            int predictions = 0;
            for (int j = 0; j < track.Steps; j++)
            {
                if (!double.IsNaN(track.Mean[j]))
                {
                    predictions++;
                }

                if (double.IsNaN(track.Mean[j]) || j + h >= track.Steps || !double.IsFinite(track.Y[j + h]))
                {
                    continue;
                }

                double y = track.Y[j + h];
                if (binary)
                {
                    bool outcome = Watched(y, complement) >= 0.5;
                    accumulators[0].AddBinary(y, track.Mean[j], outcome, Watched(track.Mean[j], complement) >= threshold);
                    for (int b = 0; b < baselines.Count; b++)
                    {
                        double p = baselines[b].Forecast[j];
                        bool flagged = baselines[b].Flagged is { } flags ? flags[j] : Watched(p, complement) >= threshold;
                        accumulators[b + 1].AddBinary(y, p, outcome, flagged);
                    }
                }
                else
                {
                    accumulators[0].AddRegression(y, track.Mean[j], track.Spread[j], track.Width80(j), track.Width95(j));
                    for (int b = 0; b < baselines.Count; b++)
                    {
                        accumulators[b + 1].AddRegression(y, baselines[b].Forecast[j], baselines[b].Sigma[j]);
                    }
                }
            }

            var metrics = new Dictionary<string, ForecastMetrics>(StringComparer.Ordinal);
            for (int f = 0; f < forecasters.Length; f++)
            {
                overall[f].Add(accumulators[f]);
                metrics[forecasters[f]] = accumulators[f].ToMetrics(binary);
            }

            perKey.Add(new KeyScore(track.Key, track.Steps, predictions, metrics));
            if (alerts is not null)
            {
                for (int t = 1; t < track.Steps; t++)
                {
                    bool onset = eventColumn
                        ? !track.InEventState[t - 1] && track.InEventState[t]
                        : Watched(track.Y[t - 1], complement) < 0.5 && Watched(track.Y[t], complement) >= 0.5;
                    if (onset)
                    {
                        events.Add(new KeyedInstant(track.Key, track.Times[t]));
                    }
                }
            }
        }

        var overallMetrics = new Dictionary<string, ForecastMetrics>(StringComparer.Ordinal);
        for (int f = 0; f < forecasters.Length; f++)
        {
            overallMetrics[forecasters[f]] = overall[f].ToMetrics(binary);
        }

        AlertQuality? quality = null, detection = null;
        if (alerts is not null)
        {
            var raised = result.Sink.Alerts.Where(a => a.Raised).Select(a => new KeyedInstant(a.Key, a.EventTimeUnixMs)).ToList();
            var spans = tracks.Where(t => t.Steps > 0).Select(t => new MonitoredSpan(t.Key, t.Times[0], t.Times[^1])).ToList();
            quality = AlertQualityEvaluator.Evaluate(raised, events, spans, alerts.Window);
            if (result.Settings.DetectionGraceSeconds is int grace)
            {
                detection = AlertQualityEvaluator.Evaluate(raised, events, spans, alerts.Window, TimeSpan.FromSeconds(grace));
            }
        }

        return new BacktestScores(forecasters, overallMetrics, perKey, tracks, threshold, quality, events, detection)
        {
            Baselines = baselinesOfTrack,
            BestBaseline = BestBaseline(forecasters, overallMetrics, binary),
            Rule = rule,
        };
    }

    /// <summary>The baseline with the lowest MAE (log-loss for a Binary head) over all keys; null if none scored.</summary>
    internal static string? BestBaseline(IReadOnlyList<string> forecasters, IReadOnlyDictionary<string, ForecastMetrics> metrics, bool binary)
    {
        string? best = null;
        double lowest = double.PositiveInfinity;
        foreach (string? name in forecasters.Skip(1))
        {
            double value = binary ? metrics[name].LogLoss : metrics[name].Mae;
            if (value < lowest)
            {
                lowest = value;
                best = name;
            }
        }

        return best;
    }

    /// <summary>
    /// Binary baselines: base rate p = mean of y_0..y_j, persistence p = y_j (for both, 0.5 while no y is known yet).
    /// </summary>
    private static BaselineSeries[] BinaryBaselines(KeyTrack track)
    {
        double[] rate = new double[track.Steps];
        double[] persistence = new double[track.Steps];
        double[] none = new double[track.Steps];
        Array.Fill(none, double.NaN);
        long count = 0;
        double mean = 0;
        for (int j = 0; j < track.Steps; j++)
        {
            double y = track.Y[j];
            if (double.IsFinite(y))
            {
                count++;
                mean += (y - mean) / count;
            }

            rate[j] = count > 0 ? mean : 0.5;
            persistence[j] = double.IsFinite(y) ? y : 0.5;
        }

        return [new BaselineSeries("base_rate", rate, none), new BaselineSeries("persistence", persistence, none)];
    }

    /// <summary>The numeric feature fields, each once, in feature order: the inputs of the threshold rule.</summary>
    internal static List<string> RuleFields(PipelineDefinition definition) =>
        definition.Features.Where(f => f.Transform != FeatureTransform.OneHot).Select(f => f.Field).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The key tracks in order of first appearance, with each prediction placed at its step.</summary>
    internal static List<KeyTrack> BuildTracks(BacktestResult result, int h, int horizonIndex)
    {
        var rows = result.Input.Rows;
        var dead = result.Sink.DeadLetters;
        var stepsOfKey = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int offset = 0; offset < rows.Length; offset++)
        {
            if (dead.TryGetValue(offset, out var reason) && reason != DeadLetterReason.NumericalError)
            {
                continue;
            }

            if (!stepsOfKey.TryGetValue(rows[offset].Key, out var list))
            {
                stepsOfKey[rows[offset].Key] = list = [];
                order.Add(rows[offset].Key);
            }

            list.Add(offset);
        }

        var transform = result.Definition.Target.Transform;
        double outValue = result.Definition.Target.OutValue;
        bool binary = result.Definition.Model.Head.IsClassifier();
        var stepOfOffset = new Dictionary<long, (KeyTrack Track, int Step)>();
        var tracks = new List<KeyTrack>(order.Count);
        foreach (string key in order)
        {
            var offsets = stepsOfKey[key];
            int n = offsets.Count;
            var track = new KeyTrack(key, new long[n], new double[n], new double[n], new double[n], new double[n], new bool[n], new long[n])
            {
                Half80 = new double[n],
                Half95 = new double[n],
                Unguarded = new double[n],
            };
            Array.Fill(track.Mean, double.NaN);
            Array.Fill(track.Spread, double.NaN);
            Array.Fill(track.Half80, double.NaN);
            Array.Fill(track.Half95, double.NaN);
            Array.Fill(track.Unguarded, double.NaN);
            for (int j = 0; j < n; j++)
            {
                var row = rows[offsets[j]];
                track.Times[j] = row.EventTimeUnixMs;
                track.Offsets[j] = offsets[j];
                track.Raw[j] = row.Target;
                track.InEventState[j] = row.InEventState;
                track.Y[j] = result.Definition.Target.IsEventLabel ? EventLabel(track.Raw, j, h, transform, outValue)
                    : binary || transform == TargetTransform.Raw ? row.Target
                    : j < h ? double.NaN
                    : transform == TargetTransform.Difference ? row.Target - track.Raw[j - h]
                    : Math.Log(row.Target / track.Raw[j - h]);
                stepOfOffset[offsets[j]] = (track, j);
            }

            if (result.Definition.Target is { IsEventLabel: true, Within: { } within })
            {
                TimedEventLabels.Fill(track.Y, track.Raw, track.Times, h, transform, outValue, within.TotalMilliseconds);
            }

            tracks.Add(track);
        }

        foreach (var prediction in result.Sink.Predictions)
        {
            if (horizonIndex >= 0 && stepOfOffset.TryGetValue(prediction.Offset, out var at) && prediction.Horizons is { } forecasts)
            {
                int i = horizonIndex * CollectedPrediction.HorizonWidth;
                at.Track.Mean[at.Step] = forecasts[i];
                at.Track.Spread[at.Step] = forecasts[i + 1];
                at.Track.Half80[at.Step] = forecasts[i + 2];
                at.Track.Half95[at.Step] = forecasts[i + 3];
            }
            else if (horizonIndex < 0 && stepOfOffset.TryGetValue(prediction.Offset, out var place))
            {
                place.Track.Mean[place.Step] = prediction.Mean;
                place.Track.Spread[place.Step] = prediction.StandardDeviation;
                place.Track.Half80[place.Step] = prediction.Half80;
                place.Track.Half95[place.Step] = prediction.Half95;
                place.Track.Unguarded[place.Step] = prediction.Unguarded;
            }
        }

        return tracks;
    }

    /// <summary>The event label that step t completes (of step t − h), from the raw states x_0..x_t; NaN for t &lt; h.</summary>
    private static double EventLabel(double[] raw, int t, int h, TargetTransform transform, double outValue)
    {
        int j = t - h;
        if (j < 0)
        {
            return double.NaN;
        }

        bool outLater = false;
        for (int i = j + 1; i <= t; i++)
        {
            outLater |= raw[i] == outValue;
        }

        return transform == TargetTransform.Exit
            ? (raw[j] != outValue && outLater ? 1 : 0)
            : (raw[j] == outValue || outLater ? 1 : 0);
    }

    private static double Watched(double value, bool complement) => complement ? 1 - value : value;
}
