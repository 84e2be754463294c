using StreamRnn.Core.Numerics;
using StreamRnn.Engine.Features;

namespace StreamRnn.Engine.Forecasting;

/// <summary>
/// The per-key linear path beside the recurrent network (the "highway"/autoregressive component of LSTNet, done per
/// key by recursive least squares): the forecast of y[t+h] is a ridge regression with forgetting on the last p target
/// values, the seasonal lag y[t+h−S], the network's forecast and a constant, fitted online for each key. It starts at
/// persistence (weight 1 on y[t] for a Raw target, 0 everywhere for a change target, whose persistence forecast is no
/// change), so a new key is at once as good as the naive forecast, and learns from each arriving target how much of
/// the network and of the AR terms to use. Its standard deviation is calibrated online so the intervals cover.
/// </summary>
/// <remarks>
/// <para>Regressors and target are standardised with the key's running target statistics of the step the forecast is
/// made at (μ_t, σ_t): <c>x = ((y[t] − c)/σ, …, (y[t−p+1] − c)/σ, (y[t+h−S] − c)/σ, (ŷ_net − c)/σ, 1)</c>, the
/// forecast is <c>c + σ·wᵀx</c>, with c = μ for a Raw target and c = 0 for a change target (so zero weights are
/// exactly "no change"); weights are unit-free and the same for every scale. A lag the key does not have yet is 0.</para>
/// <para>Errors are weighted by the forecast's own spread (weighted least squares: an update in a volatile period
/// counts less), and an error beyond <see cref="LinearOptions.Clip"/> spreads is clipped first. The spread is
/// <c>b·c</c> where b is the network's standard deviation (Gaussian head; 1 for a Linear head, in units of σ) and c²
/// an exponentially weighted mean of (error / b)² with the same forgetting as the weights (an average over the first
/// 1/(1−λ) errors), so the calibration tracks how wide the intervals must be.</para>
/// <para>What is served is not the combination itself but the <see cref="ForecastGuard"/>'s aggregate of it with
/// persistence, the seasonal lag and the same regression without the network, weighted by their discounted absolute
/// errors (<see cref="LinearOptions.Guard"/>); the interval multipliers are calibrated per key by adaptive conformal
/// inference (<see cref="LinearOptions.CoverageRate"/>).</para>
/// <para>State: <see cref="StateLength"/> doubles per key, laid out by <see cref="LinearStateLayout"/> (layout
/// <see cref="LayoutVersion"/>; a layout-1 or layout-2 record, written before the guard or before its evidence, restores
/// into the prefix of <see cref="LegacyStateLength"/> doubles). The guard's part is kept by <see cref="LinearGuard"/>, its AR candidate by
/// <see cref="AutoregressiveCandidate"/>. Allocation-free: every method works on the caller's span.</para>
/// </remarks>
public sealed class LinearCombiner
{
    /// <summary>Index of the layout version in the state (0 in layout 1, which had no guard).</summary>
    public const int LayoutVersionIndex = LinearStateLayout.LayoutVersionIndex;

    /// <summary>The state layout this build writes.</summary>
    public const int LayoutVersion = LinearStateLayout.LayoutVersion;

    private const double ZLimit = RunningStatistics.ZLimit;

    private readonly LinearStateLayout _layout;
    private readonly LinearGuard _guard;
    private readonly int _order;
    private readonly int _season;
    private readonly int _horizon;
    private readonly bool _network;
    private readonly bool _rawTarget;
    private readonly double _forgetting;
    private readonly double _priorVariance;
    private readonly double _clip;

    public LinearCombiner(LinearOptions options, int horizon, bool rawTarget)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, 1);
        _order = options.Order;
        _season = options.Season;
        _horizon = horizon;
        _network = options.Network;
        _rawTarget = rawTarget;
        _forgetting = options.Forgetting;
        _priorVariance = options.PriorVariance;
        _clip = options.Clip;
        _layout = new LinearStateLayout(_order, _season, horizon, _network);
        _guard = new LinearGuard(_layout, options, rawTarget);
    }

    /// <summary>Whether the served forecast is the guard's aggregate (<see cref="LinearOptions.Guard"/>).</summary>
    public bool Guarded => _guard.Enabled;

    /// <summary>Doubles of a layout-1 state (before the guard): a record of this length restores into the prefix.</summary>
    public int LegacyStateLength => _layout.LegacyStateLength;

    /// <summary>
    /// Doubles of a layout-2 state of the same settings (the guard before its evidence and its second AR candidate):
    /// its first <see cref="LegacyStateLength"/> doubles restore into the prefix and the guard starts afresh.
    /// </summary>
    public int Layout2StateLength => _layout.Layout2StateLength;

    /// <summary>n: p lags, the seasonal lag (Season &gt; 0), the network (Network), the constant.</summary>
    public int Regressors => _layout.Regressors;

    /// <summary>Doubles of state per key.</summary>
    public int StateLength => _layout.StateLength;

    /// <summary>Index of the network's weight in <see cref="Weights"/> (−1 without it).</summary>
    public int NetworkIndex => _network ? _order + (_season > 0 ? 1 : 0) : -1;

    /// <summary>The key's current weights (lags, seasonal lag, network, constant).</summary>
    public ReadOnlySpan<double> Weights(ReadOnlySpan<double> state) => state.Slice(_layout.RlsOffset, Regressors);

    /// <summary>The calibration factor c (forecast spread ÷ the network's, or ÷ σ for a Linear head).</summary>
    public static double Calibration(ReadOnlySpan<double> state) => Math.Sqrt(state[1]);

    /// <summary>A fresh key: no history, no pending forecasts, weights at persistence with variance PriorVariance.</summary>
    public void Reset(Span<double> state)
    {
        state = state[..StateLength];
        state.Clear();
        state[1] = 1.0;
        for (long i = 0; i < _horizon; i++)
        {
            _layout.Pending(state, i)[Regressors + 2] = double.NaN;
        }

        var rls = _layout.Rls(state);
        RecursiveLeastSquares.Initialize(rls, Regressors, _priorVariance);
        if (_rawTarget && _order > 0)
        {
            rls[0] = 1.0;
        }

        ResetGuard(state);
    }

    /// <summary>
    /// Starts the guard part of a state afresh (multipliers at the Gaussian z, no losses, the network-free regression
    /// at persistence) and stamps the layout version: used by <see cref="Reset"/> and after a layout-1 state was copied
    /// into the prefix.
    /// </summary>
    public void ResetGuard(Span<double> state)
    {
        state = state[..StateLength];
        state[LayoutVersionIndex] = LayoutVersion;
        _guard.Reset(state);
    }

    /// <summary>The key's calibrated multipliers of its spread for the central 80 % and 95 % intervals.</summary>
    public (double Q80, double Q95) Multipliers(ReadOnlySpan<double> state) => _guard.Multipliers(state);

    /// <summary>
    /// The guard's current weights of the candidates (<see cref="ForecastGuard.Names"/>; 0 for one the key does not
    /// have), and their discounted mean absolute errors in units of the key's σ.
    /// </summary>
    public void GuardWeights(ReadOnlySpan<double> state, Span<double> weights, Span<double> losses) => _guard.Weights(state, weights, losses);

    /// <summary>Whether this key's guard has candidate <paramref name="index"/> (<see cref="ForecastGuard.Names"/>).</summary>
    public bool HasCandidate(int index) => _guard.HasCandidate(index);

    /// <summary>
    /// The key's target y[t] arrived: the forecast made for it h steps ago (if any) updates the weights and the
    /// calibration, then y[t] joins the history. Non-finite values are ignored.
    /// </summary>
    public void Observe(Span<double> state, double value) => Observe(state, value, out _, out _);

    /// <summary>
    /// <see cref="Observe(Span{double}, double)"/>, giving the interval multipliers the resolved forecast was served
    /// with (the Gaussian z when none was made), so its coverage is scored with the bounds it was published with.
    /// </summary>
    public void Observe(Span<double> state, double value, out double q80, out double q95)
    {
        q80 = ForecastGuard.Z80;
        q95 = ForecastGuard.Z95;
        if (!double.IsFinite(value))
        {
            return;
        }

        long count = LinearStateLayout.Count(state) + 1;
        var pending = _layout.Pending(state, count);
        var served = _layout.Served(state, count);
        if (double.IsFinite(served[LinearStateLayout.ServedIndex + 2]))
        {
            q80 = served[LinearStateLayout.ServedIndex + 2];
            q95 = served[LinearStateLayout.ServedIndex + 3];
        }

        double forecast = pending[Regressors + 2];
        if (!double.IsNaN(forecast))
        {
            Learn(state, pending, served, value);
        }

        pending[Regressors + 2] = double.NaN;
        served.Fill(double.NaN);
        _layout.Append(state, count, value);
    }

    private void Learn(Span<double> state, Span<double> pending, Span<double> served, double value)
    {
        int n = Regressors;
        double mean = pending[n], deviation = pending[n + 1], forecast = pending[n + 2], baseSpread = pending[n + 3];
        double z = Math.Clamp((value - mean) / deviation, -4 * ZLimit, 4 * ZLimit);
        if (!double.IsFinite(z))
        {
            return;
        }

        // Calibration: c² ← EWMA of (error / b)², winsorised at Clip·c so one outlier cannot blow the intervals up.
        double c2 = state[1];
        double seen = state[2] + 1;
        double ratio = (z - forecast) / baseSpread;
        double cap = _clip * _clip * c2;
        double squared = Math.Min(ratio * ratio, seen <= 1 ? double.MaxValue : cap);
        double rate = Math.Max(1 - _forgetting, 1 / seen);
        double updated = c2 + rate * (squared - c2);
        if (double.IsFinite(updated) && updated > 0)
        {
            state[1] = updated;
        }

        state[2] = Math.Min(seen, 1e15);

        // Weighted update: regressors and target divided by the forecast's spread b·c at the time it was made.
        var rls = _layout.Rls(state);
        double scale = baseSpread * Math.Sqrt(c2);
        Span<double> x = stackalloc double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = pending[i] / scale;
        }

        double fitted = RecursiveLeastSquares.Predict(rls, x);
        double target = z / scale;
        RecursiveLeastSquares.Update(rls, x, Math.Clamp(target, fitted - _clip, fitted + _clip), _forgetting, _priorVariance * n);
        _guard.Resolve(state, served, value, z);
    }

    /// <summary>
    /// The combined forecast of y[t+h] made now (after <see cref="Observe"/> of y[t]) from the key's target statistics
    /// μ, σ (those the network's forecast is de-normalised with), the network's mean and its standard deviation (NaN
    /// for a Linear head). Remembers what it needs to learn when y[t+h] arrives, unless <paramref name="learn"/> is false
    /// (the key's statistics are still warming up: σ from a handful of values would make its errors meaningless).
    /// </summary>
    public void Forecast(Span<double> state, double mu, double sigma, double networkMean, double networkSpread, bool learn,
        out double mean, out double spread) =>
        Forecast(state, mu, sigma, networkMean, networkSpread, learn, out mean, out spread, out _, out _, out _);

    /// <summary>
    /// <see cref="Forecast(Span{double}, double, double, double, double, bool, out double, out double)"/>, also giving the
    /// combination before the guard (<paramref name="unguarded"/>, in target units) and the key's calibrated interval
    /// multipliers of <paramref name="spread"/> (the Gaussian z while <see cref="LinearOptions.CoverageRate"/> is 0).
    /// </summary>
    public void Forecast(Span<double> state, double mu, double sigma, double networkMean, double networkSpread, bool learn,
        out double mean, out double spread, out double unguarded, out double q80, out double q95)
    {
        int n = Regressors;
        long count = LinearStateLayout.Count(state);
        // A change target is not centred: all-zero weights then forecast exactly no change (persistence), and the
        // constant learns a drift only if there is one. A Raw target is centred on its running mean.
        double centre = _rawTarget ? mu : 0;
        var pending = _layout.Pending(state, count);
        var x = pending[..n];
        int r = 0;
        for (int i = 0; i < _order; i++, r++)
        {
            x[r] = i < count ? Standardise(_layout.Lag(state, count, i), centre, sigma) : 0;
        }

        double seasonal = double.NaN;
        if (_season > 0)
        {
            // y[t+h−S] is S−h values before y[t].
            long back = _season - _horizon;
            x[r++] = back < count ? Standardise(_layout.Lag(state, count, back), centre, sigma) : 0;
            seasonal = back < count ? x[r - 1] : double.NaN;
        }

        if (_network)
        {
            x[r++] = Standardise(networkMean, centre, sigma);
        }

        x[r] = 1;
        double b = double.IsFinite(networkSpread) && networkSpread > 0 ? Math.Clamp(networkSpread / sigma, 1e-6, 1e6) : 1.0;
        double z = Math.Clamp(RecursiveLeastSquares.Predict(_layout.Rls(state), x), -4 * ZLimit, 4 * ZLimit);
        pending[n] = centre;
        pending[n + 1] = sigma;
        pending[n + 2] = learn ? z : double.NaN;
        pending[n + 3] = b;
        double spreadZ = b * Math.Sqrt(state[1]);
        double zServed = _guard.Serve(state, count, centre, sigma, z, seasonal, spreadZ, learn, out q80, out q95);
        mean = centre + sigma * zServed;
        unguarded = centre + sigma * z;
        spread = sigma * spreadZ;
    }

    /// <summary>(value − μ)/σ clamped to ±4·<see cref="RunningStatistics.ZLimit"/>; 0 when not finite.</summary>
    internal static double Standardise(double value, double mu, double sigma)
    {
        double z = (value - mu) / sigma;
        return double.IsFinite(z) ? Math.Clamp(z, -4 * ZLimit, 4 * ZLimit) : 0;
    }
}
