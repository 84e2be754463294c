namespace StreamRnn.Engine;

/// <summary>
/// The guard part of a key's <see cref="LinearCombiner"/> state: makes the cheap candidates' forecasts beside the
/// combination's, serves their <see cref="ForecastGuard"/> aggregate (or the combination when the guard is off), and
/// when a forecast resolves updates the candidates' discounted losses, the AR candidate's fit and the conformal interval
/// multipliers. Works on the caller's span (<see cref="LinearStateLayout"/>); no allocation.
/// </summary>
internal sealed class LinearGuard
{
    private readonly LinearStateLayout _layout;
    private readonly bool _enabled;
    private readonly bool _rawTarget;
    private readonly double _forgetting;
    private readonly double _rate;
    private readonly double _coverageRate;

    public LinearGuard(LinearStateLayout layout, LinearOptions options, bool rawTarget)
    {
        _layout = layout;
        _enabled = options.Guard;
        _rawTarget = rawTarget;
        _forgetting = options.Forgetting;
        _rate = options.GuardRate;
        _coverageRate = options.CoverageRate;
    }

    /// <summary>Whether the served forecast is the aggregate (<see cref="LinearOptions.Guard"/>).</summary>
    public bool Enabled => _enabled;

    /// <summary>Multipliers at the Gaussian z, no losses, the AR candidate at persistence, nothing pending.</summary>
    public void Reset(Span<double> state)
    {
        Span<double> guard = _layout.Guard(state);
        guard.Clear();
        guard[0] = ForecastGuard.Z80;
        guard[1] = ForecastGuard.Z95;
        if (_layout.HasAutoregressive)
        {
            AutoregressiveCandidate.Reset(_layout.Autoregressive(state), _layout.Order, _rawTarget);
        }

        state[_layout.GuardPendingOffset..].Fill(double.NaN);
    }

    /// <summary>The key's calibrated multipliers of its spread for the central 80 % and 95 % intervals.</summary>
    public (double Q80, double Q95) Multipliers(ReadOnlySpan<double> state) =>
        (state[_layout.GuardOffset], state[_layout.GuardOffset + 1]);

    /// <summary>Whether this key's guard has candidate <paramref name="index"/> (<see cref="ForecastGuard.Names"/>).</summary>
    public bool HasCandidate(int index) => index switch
    {
        ForecastGuard.Seasonal => _layout.Season > 0,
        ForecastGuard.Autoregressive => _layout.HasAutoregressive,
        _ => index is >= 0 and < ForecastGuard.Candidates,
    };

    /// <summary>The candidates' current weights (0 for one the key does not have) and discounted losses in σ units.</summary>
    public void Weights(ReadOnlySpan<double> state, Span<double> weights, Span<double> losses)
    {
        Span<bool> present = stackalloc bool[ForecastGuard.Candidates];
        Present(present);
        ReadOnlySpan<double> guard = state[_layout.GuardOffset..];
        guard.Slice(4, ForecastGuard.Candidates).CopyTo(losses);
        if (_enabled)
        {
            ForecastGuard.Weights(losses, present, guard[2], _forgetting, _rate, weights);
        }
        else
        {
            weights[..ForecastGuard.Candidates].Clear();
            weights[ForecastGuard.Combined] = 1;
        }
    }

    /// <summary>
    /// Records the candidates' forecasts of y[t+h] made now (standardised with <paramref name="centre"/> and
    /// <paramref name="sigma"/>; <paramref name="seasonal"/> is the standardised seasonal lag, NaN while the key has
    /// none) beside the combination's <paramref name="z"/> and its spread, and returns the served z with the multipliers
    /// it is published with.
    /// </summary>
    public double Serve(Span<double> state, long count, double centre, double sigma, double z, double seasonal, double spreadZ,
        bool learn, out double q80, out double q95)
    {
        Span<double> guard = _layout.Guard(state);
        Span<double> served = _layout.Served(state, count);
        double persistence = _rawTarget ? (count > 0 ? LinearCombiner.Standardise(_layout.Lag(state, count, 0), centre, sigma) : 0) : 0;
        served[ForecastGuard.Combined] = z;
        served[ForecastGuard.Persistence] = persistence;
        served[ForecastGuard.Seasonal] = double.IsNaN(seasonal) ? persistence : seasonal;
        served[ForecastGuard.Autoregressive] = double.NaN;
        if (_layout.HasAutoregressive)
        {
            served[ForecastGuard.Autoregressive] = AutoregressiveForecast(state, served, count, centre, sigma, learn, persistence);
        }

        double zServed = z;
        if (_enabled)
        {
            Span<bool> present = stackalloc bool[ForecastGuard.Candidates];
            Span<double> weights = stackalloc double[ForecastGuard.Candidates];
            Present(present);
            ForecastGuard.Weights(guard.Slice(4, ForecastGuard.Candidates), present, guard[2], _forgetting, _rate, weights);
            zServed = 0;
            for (int i = 0; i < ForecastGuard.Candidates; i++)
            {
                if (weights[i] > 0)
                {
                    zServed += weights[i] * served[i];
                }
            }
        }

        q80 = guard[0];
        q95 = guard[1];
        served[LinearStateLayout.ServedIndex] = learn ? zServed : double.NaN;
        served[LinearStateLayout.ServedIndex + 1] = spreadZ;
        served[LinearStateLayout.ServedIndex + 2] = q80;
        served[LinearStateLayout.ServedIndex + 3] = q95;
        return zServed;
    }

    private double AutoregressiveForecast(Span<double> state, Span<double> served, long count, double centre, double sigma, bool learn,
        double persistence)
    {
        int order = _layout.Order;
        Span<double> ar = _layout.Autoregressive(state);
        AutoregressiveCandidate.Prepare(ar, sigma, learn);
        Span<double> lags = served.Slice(LinearStateLayout.GuardLags, order);
        double scale = AutoregressiveCandidate.Scale(ar);
        if (!(scale > 0 && count >= order))
        {
            lags.Fill(double.NaN);
            return persistence;
        }

        Span<double> x = stackalloc double[order + 1];
        for (int i = 0; i < order; i++)
        {
            x[i] = _layout.Lag(state, count, i) / scale;
        }

        x[order] = 1;
        x[..order].CopyTo(lags);
        double forecast = LinearCombiner.Standardise(AutoregressiveCandidate.Predict(ar, x), centre, sigma);
        if (!learn)
        {
            lags.Fill(double.NaN);
        }

        return forecast;
    }

    /// <summary>
    /// The forecast recorded in <paramref name="served"/> resolved at <paramref name="value"/> (standardised
    /// <paramref name="z"/>): the AR candidate learns, and — if the forecast was served by a guard (absent for one made
    /// before the state had a guard, e.g. restored from a layout-1 record) — the losses and multipliers are updated.
    /// </summary>
    public void Resolve(Span<double> state, ReadOnlySpan<double> served, double value, double z)
    {
        if (_layout.HasAutoregressive && double.IsFinite(served[LinearStateLayout.GuardLags]))
        {
            AutoregressiveCandidate.Learn(_layout.Autoregressive(state), served.Slice(LinearStateLayout.GuardLags, _layout.Order), value, _forgetting);
        }

        double servedZ = served[LinearStateLayout.ServedIndex];
        if (!double.IsFinite(servedZ))
        {
            return;
        }

        Span<double> guard = _layout.Guard(state);
        Span<bool> present = stackalloc bool[ForecastGuard.Candidates];
        Present(present);
        double resolved = guard[2] + 1;
        ForecastGuard.Learn(guard.Slice(4, ForecastGuard.Candidates), served[..ForecastGuard.Candidates], present, z, resolved, _forgetting);
        guard[2] = Math.Min(resolved, 1e15);
        double error = Math.Abs(z - servedZ), spread = served[LinearStateLayout.ServedIndex + 1];
        guard[0] = ForecastGuard.Calibrate(guard[0], 0.80, error, spread, served[LinearStateLayout.ServedIndex + 2], _coverageRate);
        guard[1] = ForecastGuard.Calibrate(guard[1], 0.95, error, spread, served[LinearStateLayout.ServedIndex + 3], _coverageRate);
    }

    private void Present(Span<bool> present)
    {
        present[ForecastGuard.Combined] = true;
        present[ForecastGuard.Persistence] = true;
        present[ForecastGuard.Seasonal] = _layout.Season > 0;
        present[ForecastGuard.Autoregressive] = _layout.HasAutoregressive;
    }
}
