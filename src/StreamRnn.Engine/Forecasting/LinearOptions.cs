namespace StreamRnn.Engine.Forecasting;

/// <summary>
/// The per-key linear path beside the recurrent one (section "Linear" of a pipeline): an online ridge regression with
/// forgetting (recursive least squares, per key) of the target h steps ahead on the last <see cref="Order"/> target
/// values, the seasonal lag, the network's forecast and a constant. See <see cref="LinearCombiner"/>.
/// </summary>
public sealed class LinearOptions
{
    /// <summary>Largest <see cref="Order"/> accepted.</summary>
    public const int MaxOrder = 32;

    /// <summary>Largest <see cref="Season"/> accepted (steps).</summary>
    public const int MaxSeason = 10_000;

    /// <summary>Off by default in code; the shipped Gaussian and Linear-head pipelines turn it on.</summary>
    public bool Enabled { get; set; }

    /// <summary>p: the last p target values are regressors (0 = none).</summary>
    public int Order { get; set; } = 3;

    /// <summary>Steps of one season (e.g. 24 for hourly data with a daily cycle); 0 = no seasonal regressor.</summary>
    /// <remarks>The seasonal regressor for y[t+h] is y[t+h−Season], so Season must be at least Target:Horizon.</remarks>
    public int Season { get; set; }

    /// <summary>λ ∈ (0, 1]: 0.999 remembers about 1,000 steps; 1 never forgets.</summary>
    public double Forgetting { get; set; } = 0.999;

    /// <summary>
    /// Prior variance of each weight around its starting value (persistence: weight 1 on the last value for a Raw
    /// target, all weights 0 for a change target), in units of the forecast's own error variance. Small = trust the
    /// prior longer.
    /// </summary>
    public double PriorVariance { get; set; } = 1.0;

    /// <summary>Whether the network's forecast is a regressor (false = a pure online AR(p) per key).</summary>
    public bool Network { get; set; } = true;

    /// <summary>
    /// Largest error an update learns from, in forecast standard deviations: a larger surprise (an anomaly, a jump)
    /// is clipped to this size before it moves the weights and the error variance.
    /// </summary>
    public double Clip { get; set; } = 5.0;

    /// <summary>
    /// Whether the served forecast is the MAE-aware guard's aggregate of the combination with persistence, the seasonal
    /// lag and the network-free AR (true, the default) or the least-squares combination itself (see
    /// <see cref="ForecastGuard"/>). The record's <c>unguarded</c> field carries the combination either way.
    /// </summary>
    public bool Guard { get; set; } = true;

    /// <summary>
    /// κ, the guard's learning rate as a multiple of the Hedge rate √(8 ln K · n) on losses relative to the best
    /// candidate's: larger follows the currently best candidate more sharply, smaller averages them more evenly.
    /// </summary>
    public double GuardRate { get; set; } = 1.0;

    /// <summary>
    /// k, the evidence the guard needs before it leaves persistence, in standard errors: the aggregate is served only
    /// while some candidate (or the aggregate itself) has a discounted mean absolute error at least k standard errors
    /// below persistence's, persistence otherwise (so on a random walk it serves persistence). 0 = no evidence asked.
    /// </summary>
    public double GuardEvidence { get; set; } = 2.0;

    /// <summary>
    /// Whether the guard serves the aggregate only while its discounted absolute error is no larger than that of every
    /// single candidate it may serve (persistence, and each candidate that has beaten persistence by
    /// <see cref="GuardEvidence"/> standard errors): when the mixture lags such a candidate, that candidate is served
    /// alone (the one with the lowest discounted error). false = the aggregate whenever the evidence allows it.
    /// </summary>
    public bool GuardFloor { get; set; } = true;

    /// <summary>
    /// γ of the adaptive conformal calibration of the 80 % and 95 % interval multipliers (in standard deviations per
    /// resolved forecast); 0 keeps the Gaussian multipliers 1.2816 and 1.96.
    /// </summary>
    public double CoverageRate { get; set; } = 0.05;

    /// <summary>Each error reads "&lt;prefix&gt;:&lt;Setting&gt;: &lt;problem&gt;" (never the value); empty = valid.</summary>
    public IReadOnlyList<string> Validate(string settingPrefix, int horizon, bool binaryHead)
    {
        var errors = new List<string>();
        void Error(string setting, string problem) => errors.Add($"{settingPrefix}:{setting}: {problem}");
        if (!Enabled)
        {
            return errors;
        }

        if (binaryHead)
        {
            Error(nameof(Enabled), "the linear path forecasts a number and needs a Gaussian or Linear head, not Binary");
        }

        if (Order is < 0 or > MaxOrder)
        {
            Error(nameof(Order), $"must be between 0 and {MaxOrder}");
        }

        if (Season != 0 && (Season < horizon || Season > MaxSeason))
        {
            Error(nameof(Season), $"must be 0 (none) or between Target:Horizon and {MaxSeason} steps");
        }

        if (!(Forgetting > 0.5 && Forgetting <= 1))
        {
            Error(nameof(Forgetting), "must be above 0.5 and at most 1");
        }

        if (!(PriorVariance > 0) || !double.IsFinite(PriorVariance) || PriorVariance > 1e6)
        {
            Error(nameof(PriorVariance), "must be a finite number above 0 and at most 1000000");
        }

        if (!(Clip >= 1) || !double.IsFinite(Clip) || Clip > 100)
        {
            Error(nameof(Clip), "must be a number from 1 to 100 (standard deviations)");
        }

        if (!(GuardRate > 0) || !double.IsFinite(GuardRate) || GuardRate > 100)
        {
            Error(nameof(GuardRate), "must be a number above 0 and at most 100");
        }

        if (!(GuardEvidence >= 0) || !double.IsFinite(GuardEvidence) || GuardEvidence > 10)
        {
            Error(nameof(GuardEvidence), "must be a number from 0 (no evidence asked) to 10 (standard errors)");
        }

        if (!(CoverageRate >= 0) || !double.IsFinite(CoverageRate) || CoverageRate > 1)
        {
            Error(nameof(CoverageRate), "must be a number from 0 (Gaussian multipliers) to 1");
        }

        return errors;
    }
}
