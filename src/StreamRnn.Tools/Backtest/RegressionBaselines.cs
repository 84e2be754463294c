using StreamRnn.Core.Numerics;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The regression baselines of a backtest, each made at a key's step j for y_{j+h} from y_0..y_j alone (prequential:
/// no forecaster sees a value before the model would have): persistence, the running mean, an online AR(p) fitted by
/// recursive least squares, and — with a season of S steps — seasonal naive.
/// </summary>
/// <remarks>
/// <para>Units: y is the target after its transform (x itself for Raw, one step's change for Difference, a log return
/// for LogReturn). Persistence is x_j for Raw and 0 (no change) otherwise; while a forecaster has nothing to go on it
/// forecasts what persistence does, so every forecaster covers the steps the model is scored on.</para>
/// <para>ar, direct h-step AR(p) with intercept (<see cref="RecursiveLeastSquares"/>, forgetting λ, prior P₀ = 10⁴·I,
/// bounded trace; lag regressors and targets in units of the key's first pair, see <see cref="AutoregressiveScale"/>). Raw target: ŷ_{j+h} = y_j + wᵀr_j with r_j = (1, y_j − c, y_j − y_{j−1}, …, y_{j−p+2} − y_{j−p+1})
/// (the span of AR(p) on levels with an intercept, written so that w = 0 is persistence; c = the key's first y, to keep
/// the intercept and level columns apart numerically); fitted on the pairs (r_t, y_{t+h} − y_t) known by step j, i.e.
/// t + h ≤ j. Change targets: ŷ_{j+h} = wᵀ(1, y_j, …, y_{j−p+1}) fitted on (…, y_{t+h}). It forecasts persistence until
/// it has 2(p + 1) pairs.</para>
/// <para>seasonal_naive: ŷ_{j+h} = y_{j+h−kS} with k = ⌈h / S⌉ (the latest same phase of the season), persistence
/// before the key's first season.</para>
/// <para>Intervals: persistence, ar and seasonal_naive use σ = the RMS of the forecaster's own errors known by step j
/// (forecasts made at i ≤ j − h; at least two); mean uses the sample standard deviation of y_0..y_j.</para>
/// </remarks>
internal static class RegressionBaselines
{
    /// <summary>P₀ = δ·I of the AR regression.</summary>
    public const double PriorVariance = 1e4;

    /// <summary>The baselines of one key: persistence, mean, ar (order above 0), seasonal_naive (with a season).</summary>
    public static List<BaselineSeries> For(KeyTrack track, int h, TargetTransform transform, int arOrder, double arForgetting, int? season)
    {
        double[] persistence = Persistence(track, transform);
        var list = new List<BaselineSeries>
        {
            new("persistence", persistence, OwnErrorSigma(persistence, track.Y, h)),
            Mean(track),
        };
        if (arOrder > 0)
        {
            double[] ar = Autoregressive(track.Y, h, transform == TargetTransform.Raw, arOrder, arForgetting, persistence);
            list.Add(new BaselineSeries("ar", ar, OwnErrorSigma(ar, track.Y, h)));
        }

        if (season is int s)
        {
            double[] seasonal = SeasonalNaive(track.Y, h, s, persistence);
            list.Add(new BaselineSeries("seasonal_naive", seasonal, OwnErrorSigma(seasonal, track.Y, h)));
        }

        return list;
    }

    /// <summary>x_j for a Raw target, else 0 (the change target's "no change").</summary>
    public static double[] Persistence(KeyTrack track, TargetTransform transform)
    {
        double[] forecast = new double[track.Steps];
        if (transform == TargetTransform.Raw)
        {
            Array.Copy(track.Raw, forecast, forecast.Length);
        }

        return forecast;
    }

    /// <summary>The mean of the finite y_0..y_j (0 before the first), with their sample standard deviation (NaN before two).</summary>
    public static BaselineSeries Mean(KeyTrack track)
    {
        double[] forecast = new double[track.Steps];
        double[] sigma = new double[track.Steps];
        long count = 0;
        double mean = 0, m2 = 0;
        for (int j = 0; j < track.Steps; j++)
        {
            double y = track.Y[j];
            if (double.IsFinite(y))
            {
                count++;
                double delta = y - mean;
                mean += delta / count;
                m2 += delta * (y - mean);
            }

            forecast[j] = mean;
            sigma[j] = count >= 2 ? Math.Sqrt(m2 / (count - 1)) : double.NaN;
        }

        return new BaselineSeries("mean", forecast, sigma);
    }

    /// <summary>The names <see cref="For"/> gives, in its order.</summary>
    public static string[] Names(int arOrder, int? season) =>
        [.. new[] { "persistence", "mean" }, .. arOrder > 0 ? new[] { "ar" } : [], .. season is null ? [] : new[] { "seasonal_naive" }];

    /// <summary>Direct h-step AR(p) by recursive least squares (see the remarks of the type).</summary>
    public static double[] Autoregressive(double[] y, int h, bool levels, int order, double forgetting, double[] fallback)
    {
        int n = order + 1, steps = y.Length;
        double[] state = new double[RecursiveLeastSquares.StateLength(n)];
        RecursiveLeastSquares.Initialize(state, n, PriorVariance);
        double traceLimit = PriorVariance * n;
        double[] forecast = new double[steps];
        double[] x = new double[n];
        double origin = double.NaN, scale = double.NaN;
        long pairs = 0;
        for (int j = 0; j < steps; j++)
        {
            if (double.IsNaN(origin) && double.IsFinite(y[j]))
            {
                origin = y[j];
            }

            int t = j - h;
            if (t >= 0 && double.IsFinite(y[j]) && Regressors(y, t, levels, order, origin, x))
            {
                double target = levels ? y[j] - y[t] : y[j];
                if (double.IsNaN(scale))
                {
                    scale = AutoregressiveScale.Of(x, target);
                }

                if (!double.IsNaN(scale) && RecursiveLeastSquares.Update(state, Scaled(x, scale), target / scale, forgetting, traceLimit))
                {
                    pairs++;
                }
            }

            forecast[j] = pairs >= 2 * n && Regressors(y, j, levels, order, origin, x)
                ? (levels ? y[j] : 0) + scale * RecursiveLeastSquares.Predict(state, Scaled(x, scale))
                : fallback[j];
        }

        return forecast;
    }

    /// <summary>x with every regressor but the intercept divided by <paramref name="scale"/> (in place).</summary>
    private static double[] Scaled(double[] x, double scale)
    {
        AutoregressiveScale.Apply(x, scale);
        return x;
    }

    /// <summary>The regressors at forecast origin t; false when a value they need is missing.</summary>
    private static bool Regressors(double[] y, int t, bool levels, int order, double origin, double[] x)
    {
        if (t - order + 1 < 0)
        {
            return false;
        }

        x[0] = 1;
        if (levels)
        {
            x[1] = y[t] - origin;
            for (int i = 2; i <= order; i++)
            {
                x[i] = y[t - i + 2] - y[t - i + 1];
            }
        }
        else
        {
            for (int i = 1; i <= order; i++)
            {
                x[i] = y[t - i + 1];
            }
        }

        foreach (double value in x)
        {
            if (!double.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ŷ_{j+h} = y_{j+h−kS}, k = ⌈h / S⌉; <paramref name="fallback"/> where that step is missing.</summary>
    public static double[] SeasonalNaive(double[] y, int h, int season, double[] fallback)
    {
        int back = (h + season - 1) / season * season - h;
        double[] forecast = new double[y.Length];
        for (int j = 0; j < y.Length; j++)
        {
            int i = j - back;
            forecast[j] = i >= 0 && double.IsFinite(y[i]) ? y[i] : fallback[j];
        }

        return forecast;
    }

    /// <summary>At step j, the RMS of the errors y_{i+h} − ŷ_i of the forecasts made at i ≤ j − h (NaN before two).</summary>
    public static double[] OwnErrorSigma(double[] forecast, double[] y, int h)
    {
        double[] sigma = new double[y.Length];
        double squares = 0;
        long errors = 0;
        for (int j = 0; j < y.Length; j++)
        {
            if (j >= h && double.IsFinite(y[j]) && double.IsFinite(forecast[j - h]))
            {
                double error = y[j] - forecast[j - h];
                squares += error * error;
                errors++;
            }

            sigma[j] = errors >= 2 ? Math.Sqrt(squares / errors) : double.NaN;
        }

        return sigma;
    }
}
