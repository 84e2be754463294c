using StreamRnn.Daemon.Backtest;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// Where prediction intervals help: coverage and width of the central 80% and 95% Gaussian intervals of the model and
/// of two zero-mean baselines, split by volatility regime, from a scored backtest of a change target (log returns).
/// </summary>
/// <remarks>
/// <para>Forecasters, each scored on the model's forecasts (made at step j for y_{j+1}): the model's N(μ, σ²);
/// <c>static</c>: N(0, s²) with s² = mean of the key's past y² (the random walk with its unconditional volatility, the
/// backtest's persistence σ); <c>ewma</c>: N(0, v) with the RiskMetrics variance v ← λ·v + (1 − λ)·y², λ = 0.94,
/// started at the first y² (a volatility-scaled random walk). Both baselines need two past y.</para>
/// <para>Regime of a forecast: the key's trailing realised volatility over the 20 steps up to j (RMS of y), ranked
/// within the key; the lowest third is <c>calm</c>, the highest <c>volatile</c> (ex-post grouping for evaluation
/// only; no forecaster sees it). Width = mean 2·z·σ of the 80% interval, in target units.</para>
/// </remarks>
internal static class IntervalRegimeStudy
{
    public const int Trailing = 20;
    public const double Lambda = 0.94;

    public static readonly string[] Forecasters = ["model", "static", "ewma"];
    public static readonly string[] Regimes = ["all", "calm", "middle", "volatile"];

    /// <summary>Cells by (forecaster, regime).</summary>
    public static Dictionary<(string Forecaster, string Regime), IntervalCell> Run(IReadOnlyList<KeyTrack> tracks)
    {
        var cells = new Dictionary<(string, string), IntervalCell>();
        foreach (string f in Forecasters)
        {
            foreach (string r in Regimes)
            {
                cells[(f, r)] = new IntervalCell();
            }
        }

        foreach (var track in tracks)
        {
            var items = new List<(double Vol, double Y, double[] Mu, double[] Sigma)>();
            double squares = 0, ewma = double.NaN;
            int count = 0;
            for (int j = 0; j + 1 < track.Steps; j++)
            {
                double yj = track.Y[j];
                if (double.IsFinite(yj))
                {
                    squares += yj * yj;
                    count++;
                    ewma = double.IsNaN(ewma) ? yj * yj : Lambda * ewma + (1 - Lambda) * yj * yj;
                }

                double y = track.Y[j + 1];
                if (double.IsNaN(track.Mean[j]) || !double.IsFinite(y) || count < 2 || j < Trailing)
                {
                    continue;
                }

                double trailing = 0;
                for (int t = j - Trailing + 1; t <= j; t++)
                {
                    trailing += track.Y[t] * track.Y[t];
                }

                items.Add((Math.Sqrt(trailing / Trailing), y,
                    [track.Mean[j], 0, 0], [track.Spread[j], Math.Sqrt(squares / count), Math.Sqrt(ewma)]));
            }

            double[] ranked = items.Select(i => i.Vol).Order().ToArray();
            foreach (var item in items)
            {
                int rank = Array.BinarySearch(ranked, item.Vol);
                string regime = rank < ranked.Length / 3 ? "calm" : rank >= ranked.Length - ranked.Length / 3 ? "volatile" : "middle";
                for (int f = 0; f < Forecasters.Length; f++)
                {
                    cells[(Forecasters[f], "all")].Add(item.Y, item.Mu[f], item.Sigma[f]);
                    cells[(Forecasters[f], regime)].Add(item.Y, item.Mu[f], item.Sigma[f]);
                }
            }
        }

        return cells;
    }

    /// <summary>A markdown table: one row per forecaster and regime.</summary>
    public static string Table(Dictionary<(string Forecaster, string Regime), IntervalCell> cells)
    {
        var lines = new List<string>
        {
            "| regime | forecaster | forecasts | 80% coverage | 95% coverage | mean 80% width | mean |y − μ| |",
            "|---|---|---:|---:|---:|---:|---:|",
        };
        foreach (string r in Regimes)
        {
            foreach (string f in Forecasters)
            {
                var c = cells[(f, r)];
                lines.Add(FormattableString.Invariant(
                    $"| {r} | {f} | {c.Count:N0} | {c.Coverage80:F3} | {c.Coverage95:F3} | {c.Width80:G4} | {c.Mae:G4} |"));
            }
        }

        return string.Join('\n', lines);
    }
}
