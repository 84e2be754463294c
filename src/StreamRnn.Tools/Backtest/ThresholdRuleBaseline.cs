using System.Globalization;
using System.Text.Json;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The "rule" baseline of a Binary head: the best single-input threshold rule ("field ≥ θ" or "field ≤ θ" raises the
/// watched outcome), chosen by F1 on the data seen so far and refitted as data comes, across all keys in replay order.
/// </summary>
/// <remarks>
/// <para>Inputs: the raw values of the pipeline's numeric feature fields in the record of step j. The pair (inputs at
/// step j, the watched outcome of y_{j+h}) becomes known with step j + h's record; a forecast made with record o uses
/// the rule fitted on the pairs known by o (the refit runs when the pairs have grown by an eighth since the last fit,
/// at least 16 and at most 1,000 pairs; the first fit needs 16 pairs with both outcomes).</para>
/// <para>F1 = 2·TP / (2·TP + FP + FN) over every threshold at a value seen and both directions; ties keep the rule
/// found first (fields in feature order, thresholds ascending). The forecast is a probability, not a 0/1: the watched
/// outcome's frequency among the fitted pairs on the same side of the rule, (k + 1) / (m + 2); the rule's decision is
/// its "flag" in precision and recall. Before the first fit: p = 0.5, not flagged. A missing input does not fire.</para>
/// </remarks>
internal static class ThresholdRuleBaseline
{
    private const int FirstFit = 16;
    private const int MostBetweenFits = 1000;

    /// <summary>The fitted rule: field index, threshold, direction, and the watched outcome's rate on each side.</summary>
    internal readonly record struct Rule(int Field, double Threshold, bool Above, double FiredRate, double QuietRate, double F1)
    {
        public bool Fires(double value) => Above ? value >= Threshold : value <= Threshold;
    }

    /// <summary>The forecasts for each track (p of y = 1 and the flag), and the last rule fitted (as text, or null).</summary>
    public static (Dictionary<KeyTrack, BaselineSeries> Series, string? FinalRule) Fit(
        IReadOnlyList<KeyTrack> tracks, BacktestRow[] rows, IReadOnlyList<string> fields, int h, bool complement)
    {
        // Inputs of every step, the forecasts to make (offset order) and the pairs as they become known.
        var inputs = new Dictionary<KeyTrack, double[][]>();
        var requests = new List<(long Offset, KeyTrack Track, int Step)>();
        var arrivals = new List<(long Offset, KeyTrack Track, int Step, bool Outcome)>();
        foreach (var track in tracks)
        {
            double[][] values = new double[track.Steps][];
            for (int j = 0; j < track.Steps; j++)
            {
                values[j] = Read(rows[track.Offsets[j]].Json, fields);
                requests.Add((track.Offsets[j], track, j));
                if (j + h < track.Steps && double.IsFinite(track.Y[j + h]))
                {
                    double watched = complement ? 1 - track.Y[j + h] : track.Y[j + h];
                    arrivals.Add((track.Offsets[j + h], track, j, watched >= 0.5));
                }
            }

            inputs[track] = values;
        }

        requests.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        arrivals.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var series = tracks.ToDictionary(t => t, t => new BaselineSeries("rule", new double[t.Steps], new double[t.Steps], new bool[t.Steps]));
        var known = new List<(double[] Inputs, bool Outcome)>();
        Rule? rule = null;
        int fittedOn = 0, next = 0;
        foreach (var (offset, track, step) in requests)
        {
            while (next < arrivals.Count && arrivals[next].Offset <= offset)
            {
                var arrival = arrivals[next++];
                known.Add((inputs[arrival.Track][arrival.Step], arrival.Outcome));
            }

            if (known.Count >= FirstFit && known.Count - fittedOn >= Math.Clamp(fittedOn / 8, FirstFit, MostBetweenFits))
            {
                rule = Best(known, fields.Count) ?? rule;
                fittedOn = known.Count;
            }

            var output = series[track];
            if (rule is { } r)
            {
                bool fires = r.Fires(inputs[track][step][r.Field]);
                double watched = fires ? r.FiredRate : r.QuietRate;
                output.Forecast[step] = complement ? 1 - watched : watched;
                output.Flagged![step] = fires;
            }
            else
            {
                output.Forecast[step] = 0.5;
            }

            output.Sigma[step] = double.NaN;
        }

        string? text = rule is { } final
            ? string.Create(CultureInfo.InvariantCulture, $"{fields[final.Field]} {(final.Above ? ">=" : "<=")} {final.Threshold:R} (F1 {final.F1:0.###} on {fittedOn} pairs)")
            : null;
        return (series, text);
    }

    /// <summary>The rule with the highest F1 on <paramref name="pairs"/>; null without both outcomes.</summary>
    internal static Rule? Best(IReadOnlyList<(double[] Inputs, bool Outcome)> pairs, int fieldCount)
    {
        Rule? best = null;
        var column = new List<(double Value, bool Outcome)>(pairs.Count);
        for (int f = 0; f < fieldCount; f++)
        {
            column.Clear();
            foreach (var (values, outcome) in pairs)
            {
                if (double.IsFinite(values[f]))
                {
                    column.Add((values[f], outcome));
                }
            }

            column.Sort((a, b) => a.Value.CompareTo(b.Value));
            int positives = column.Count(c => c.Outcome), total = column.Count;
            if (positives == 0 || positives == total)
            {
                continue;
            }

            // "≥ θ" fires on the suffix from each distinct value, "≤ θ" on the prefix through it.
            int below = 0, belowPositives = 0;
            for (int i = 0; i < total; i++)
            {
                if (i == 0 || column[i].Value != column[i - 1].Value)
                {
                    int fired = total - below, tp = positives - belowPositives;
                    Consider(ref best, new Rule(f, column[i].Value, true, Rate(tp, fired), Rate(belowPositives, below), F1(tp, fired, positives)));
                }

                below++;
                belowPositives += column[i].Outcome ? 1 : 0;
                if (i == total - 1 || column[i + 1].Value != column[i].Value)
                {
                    Consider(ref best, new Rule(f, column[i].Value, false, Rate(belowPositives, below), Rate(positives - belowPositives, total - below),
                        F1(belowPositives, below, positives)));
                }
            }
        }

        return best;
    }

    private static void Consider(ref Rule? best, Rule candidate)
    {
        if (best is not { } current || candidate.F1 > current.F1)
        {
            best = candidate;
        }
    }

    private static double F1(int truePositives, int fired, int positives) => 2.0 * truePositives / (fired + positives);

    private static double Rate(int hits, int count) => (hits + 1.0) / (count + 2.0);

    private static double[] Read(byte[] json, IReadOnlyList<string> fields)
    {
        double[] values = new double[fields.Count];
        Array.Fill(values, double.NaN);
        var reader = new Utf8JsonReader(json);
        int depth = 0, field = -1;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    depth++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when depth == 1:
                    field = -1;
                    for (int f = 0; f < fields.Count; f++)
                    {
                        if (reader.ValueTextEquals(fields[f]))
                        {
                            field = f;
                            break;
                        }
                    }

                    break;
                case JsonTokenType.Number when depth == 1 && field >= 0:
                    values[field] = reader.GetDouble();
                    break;
                case JsonTokenType.String when depth == 1 && field >= 0:
                    values[field] = double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
                    break;
            }
        }

        return values;
    }
}
