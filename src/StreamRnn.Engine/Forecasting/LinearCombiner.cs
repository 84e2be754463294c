using StreamRnn.Core.Numerics;

namespace StreamRnn.Engine;

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
/// <para>State (doubles, <see cref="StateLength"/>): [count of values, c², errors seen, reserved], the last
/// max(p, S) values (a ring), h pending forecasts of (x, μ, σ, forecast z, b), then the RLS state (w, P).
/// Allocation-free: every method works on the caller's span.</para>
/// </remarks>
public sealed class LinearCombiner
{
    private const int HeaderLength = 4;
    private const double ZLimit = RunningStatistics.ZLimit;

    private readonly int _order;
    private readonly int _season;
    private readonly int _horizon;
    private readonly bool _network;
    private readonly bool _rawTarget;
    private readonly double _forgetting;
    private readonly double _priorVariance;
    private readonly double _clip;
    private readonly int _ring;
    private readonly int _pendingWidth;
    private readonly int _pendingOffset;
    private readonly int _rlsOffset;

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
        Regressors = _order + (_season > 0 ? 1 : 0) + (_network ? 1 : 0) + 1;
        _ring = Math.Max(1, Math.Max(_order, _season));
        _pendingWidth = Regressors + 4;
        _pendingOffset = HeaderLength + _ring;
        _rlsOffset = _pendingOffset + _horizon * _pendingWidth;
        StateLength = _rlsOffset + RecursiveLeastSquares.StateLength(Regressors);
    }

    /// <summary>n: p lags, the seasonal lag (Season &gt; 0), the network (Network), the constant.</summary>
    public int Regressors { get; }

    /// <summary>Doubles of state per key.</summary>
    public int StateLength { get; }

    /// <summary>Index of the network's weight in <see cref="Weights"/> (−1 without it).</summary>
    public int NetworkIndex => _network ? _order + (_season > 0 ? 1 : 0) : -1;

    /// <summary>The key's current weights (lags, seasonal lag, network, constant).</summary>
    public ReadOnlySpan<double> Weights(ReadOnlySpan<double> state) => state.Slice(_rlsOffset, Regressors);

    /// <summary>The calibration factor c (forecast spread ÷ the network's, or ÷ σ for a Linear head).</summary>
    public static double Calibration(ReadOnlySpan<double> state) => Math.Sqrt(state[1]);

    /// <summary>A fresh key: no history, no pending forecasts, weights at persistence with variance PriorVariance.</summary>
    public void Reset(Span<double> state)
    {
        state = state[..StateLength];
        state.Clear();
        state[1] = 1.0;
        for (int i = 0; i < _horizon; i++)
        {
            state[_pendingOffset + i * _pendingWidth + Regressors + 2] = double.NaN;
        }

        Span<double> rls = state[_rlsOffset..];
        RecursiveLeastSquares.Initialize(rls, Regressors, _priorVariance);
        if (_rawTarget && _order > 0)
        {
            rls[0] = 1.0;
        }
    }

    /// <summary>
    /// The key's target y[t] arrived: the forecast made for it h steps ago (if any) updates the weights and the
    /// calibration, then y[t] joins the history. Non-finite values are ignored.
    /// </summary>
    public void Observe(Span<double> state, double value)
    {
        if (!double.IsFinite(value))
        {
            return;
        }

        long count = (long)state[0] + 1;
        Span<double> pending = state.Slice(_pendingOffset + (int)(count % _horizon) * _pendingWidth, _pendingWidth);
        double forecast = pending[Regressors + 2];
        if (!double.IsNaN(forecast))
        {
            Learn(state, pending, value);
        }

        pending[Regressors + 2] = double.NaN;
        state[HeaderLength + (int)(count % _ring)] = value;
        state[0] = count;
    }

    private void Learn(Span<double> state, Span<double> pending, double value)
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
        Span<double> rls = state[_rlsOffset..];
        double scale = baseSpread * Math.Sqrt(c2);
        Span<double> x = stackalloc double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = pending[i] / scale;
        }

        double fitted = RecursiveLeastSquares.Predict(rls, x);
        double target = z / scale;
        target = Math.Clamp(target, fitted - _clip, fitted + _clip);
        RecursiveLeastSquares.Update(rls, x, target, _forgetting, _priorVariance * n);
    }

    /// <summary>
    /// The combined forecast of y[t+h] made now (after <see cref="Observe"/> of y[t]) from the key's target statistics
    /// μ, σ (those the network's forecast is de-normalised with), the network's mean and its standard deviation (NaN
    /// for a Linear head). Remembers what it needs to learn when y[t+h] arrives, unless <paramref name="learn"/> is false
    /// (the key's statistics are still warming up: σ from a handful of values would make its errors meaningless).
    /// </summary>
    public void Forecast(Span<double> state, double mu, double sigma, double networkMean, double networkSpread, bool learn,
        out double mean, out double spread)
    {
        int n = Regressors;
        long count = (long)state[0];
        // A change target is not centred: all-zero weights then forecast exactly no change (persistence), and the
        // constant learns a drift only if there is one. A Raw target is centred on its running mean.
        double centre = _rawTarget ? mu : 0;
        Span<double> pending = state.Slice(_pendingOffset + (int)(count % _horizon) * _pendingWidth, _pendingWidth);
        Span<double> x = pending[..n];
        int r = 0;
        for (int i = 0; i < _order; i++, r++)
        {
            x[r] = i < count ? Standardise(state[HeaderLength + (int)((count - i) % _ring)], centre, sigma) : 0;
        }

        if (_season > 0)
        {
            // y[t+h−S] is S−h values before y[t].
            long back = _season - _horizon;
            x[r++] = back < count ? Standardise(state[HeaderLength + (int)((count - back) % _ring)], centre, sigma) : 0;
        }

        if (_network)
        {
            x[r++] = Standardise(networkMean, centre, sigma);
        }

        x[r] = 1;
        double b = double.IsFinite(networkSpread) && networkSpread > 0 ? Math.Clamp(networkSpread / sigma, 1e-6, 1e6) : 1.0;
        double z = Math.Clamp(RecursiveLeastSquares.Predict(state[_rlsOffset..], x), -4 * ZLimit, 4 * ZLimit);
        pending[n] = centre;
        pending[n + 1] = sigma;
        pending[n + 2] = learn ? z : double.NaN;
        pending[n + 3] = b;
        mean = centre + sigma * z;
        spread = sigma * b * Math.Sqrt(state[1]);
    }

    private static double Standardise(double value, double mu, double sigma)
    {
        double z = (value - mu) / sigma;
        return double.IsFinite(z) ? Math.Clamp(z, -4 * ZLimit, 4 * ZLimit) : 0;
    }
}
