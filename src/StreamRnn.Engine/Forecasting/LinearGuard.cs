namespace StreamRnn.Engine.Forecasting;

/// <summary>
/// The guard part of a key's <see cref="LinearCombiner"/> state: makes the cheap candidates' forecasts beside the
/// combination's, serves their <see cref="ForecastGuard"/> aggregate once the evidence shows it beats persistence
/// (persistence until then; the combination when the guard is off; with the floor, the servable single candidate the
/// aggregate lags in discounted error), and when a forecast resolves updates the
/// candidates' discounted losses, the evidence, the AR candidates' fits and the conformal interval multipliers. Works on the caller's span (<see cref="LinearStateLayout"/>); no allocation.
/// </summary>
internal sealed class LinearGuard
{
    private readonly LinearStateLayout _layout;
    private readonly bool _enabled;
    private readonly bool _rawTarget;
    private readonly double _forgetting;
    private readonly double _rate;
    private readonly double _coverageRate;
    private readonly double _evidence;
    private readonly bool _floor;
    private readonly bool _longMemory;
    private readonly bool[] _present = new bool[ForecastGuard.Candidates];

    public LinearGuard(LinearStateLayout layout, LinearOptions options, bool rawTarget)
    {
        _layout = layout;
        _enabled = options.Guard;
        _rawTarget = rawTarget;
        _forgetting = options.Forgetting;
        _rate = options.GuardRate;
        _coverageRate = options.CoverageRate;
        _evidence = options.GuardEvidence;
        _floor = options.GuardFloor;
        _longMemory = layout.HasAutoregressive && options.Forgetting < 1;
        _present[ForecastGuard.Combined] = true;
        _present[ForecastGuard.Persistence] = true;
        _present[ForecastGuard.Seasonal] = layout.Season > 0;
        _present[ForecastGuard.Autoregressive] = layout.HasAutoregressive;
        _present[ForecastGuard.AutoregressiveLong] = _longMemory;
    }

    /// <summary>Whether the served forecast is the aggregate (<see cref="LinearOptions.Guard"/>).</summary>
    public bool Enabled => _enabled;

    /// <summary>Multipliers at the Gaussian z, no losses, the AR candidate at persistence, nothing pending.</summary>
    public void Reset(Span<double> state)
    {
        var guard = _layout.Guard(state);
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
    public bool HasCandidate(int index) => (uint)index < (uint)_present.Length && _present[index];

    /// <summary>
    /// The weights the next forecast is served with (0 for a candidate the key does not have; all on persistence while
    /// the evidence does not show the aggregate beats it; all on one candidate while the floor serves it alone) and the
    /// discounted losses in σ units.
    /// </summary>
    public void Weights(ReadOnlySpan<double> state, Span<double> weights, Span<double> losses)
    {
        ReadOnlySpan<bool> present = _present;
        var guard = state[_layout.GuardOffset..];
        guard.Slice(LinearStateLayout.LossIndex, ForecastGuard.Candidates).CopyTo(losses);
        weights[..ForecastGuard.Candidates].Clear();
        if (!_enabled)
        {
            weights[ForecastGuard.Combined] = 1;
        }
        else if (Choice(guard, present) is int single and < ForecastGuard.Candidates)
        {
            weights[single] = 1;
        }
        else
        {
            ForecastGuard.Weights(losses, present, guard[2], _forgetting, _rate, weights);
        }
    }

    /// <summary>
    /// What is served: persistence while the evidence is not in (GuardEvidence k &gt; 0 and no candidate or aggregate has
    /// beaten it by k standard errors), then the aggregate (<see cref="ForecastGuard.Candidates"/>) — or, with
    /// <see cref="LinearOptions.GuardFloor"/>, the servable single candidate it lags in discounted error.
    /// </summary>
    private int Choice(ReadOnlySpan<double> guard, ReadOnlySpan<bool> present)
    {
        var mean = guard.Slice(LinearStateLayout.EvidenceIndex, ForecastGuard.EvidenceSlots);
        var second = guard.Slice(LinearStateLayout.EvidenceIndex + ForecastGuard.EvidenceSlots, ForecastGuard.EvidenceSlots);
        if (_evidence > 0 && !(guard[2] >= 2 && ForecastGuard.Evident(mean, second, guard[3], present, _evidence)))
        {
            return ForecastGuard.Persistence;
        }

        return _floor && guard[2] >= 2 ? ForecastGuard.Floor(mean, second, guard[3], present, _evidence) : ForecastGuard.Candidates;
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
        var guard = _layout.Guard(state);
        var served = _layout.Served(state, count);
        double persistence = _rawTarget ? (count > 0 ? LinearCombiner.Standardise(_layout.Lag(state, count, 0), centre, sigma) : 0) : 0;
        served[ForecastGuard.Combined] = z;
        served[ForecastGuard.Persistence] = persistence;
        served[ForecastGuard.Seasonal] = double.IsNaN(seasonal) ? persistence : seasonal;
        served[ForecastGuard.Autoregressive] = double.NaN;
        served[ForecastGuard.AutoregressiveLong] = double.NaN;
        if (_layout.HasAutoregressive)
        {
            AutoregressiveForecasts(state, served, count, centre, sigma, learn, persistence);
        }

        double aggregate = z, zServed = z;
        if (_enabled)
        {
            ReadOnlySpan<bool> present = _present;
            Span<double> weights = stackalloc double[ForecastGuard.Candidates];
            ForecastGuard.Weights(guard.Slice(LinearStateLayout.LossIndex, ForecastGuard.Candidates), present, guard[2], _forgetting, _rate, weights);
            aggregate = 0;
            for (int i = 0; i < ForecastGuard.Candidates; i++)
            {
                if (weights[i] > 0)
                {
                    aggregate += weights[i] * served[i];
                }
            }

            int choice = Choice(guard, present);
            zServed = choice < ForecastGuard.Candidates ? served[choice] : aggregate;
        }

        q80 = guard[0];
        q95 = guard[1];
        served[LinearStateLayout.AggregateIndex] = aggregate;
        served[LinearStateLayout.ServedIndex] = learn ? zServed : double.NaN;
        served[LinearStateLayout.ServedIndex + 1] = spreadZ;
        served[LinearStateLayout.ServedIndex + 2] = q80;
        served[LinearStateLayout.ServedIndex + 3] = q95;
        return zServed;
    }

    private void AutoregressiveForecasts(Span<double> state, Span<double> served, long count, double centre, double sigma, bool learn,
        double persistence)
    {
        int order = _layout.Order;
        var ar = _layout.Autoregressive(state);
        AutoregressiveCandidate.Prepare(ar, sigma, learn);
        var lags = served.Slice(LinearStateLayout.GuardLags, order);
        double scale = AutoregressiveCandidate.Scale(ar);
        if (!(scale > 0 && count >= order))
        {
            lags.Fill(double.NaN);
            served[ForecastGuard.Autoregressive] = persistence;
            served[ForecastGuard.AutoregressiveLong] = _longMemory ? persistence : double.NaN;
            return;
        }

        Span<double> x = stackalloc double[order + 1];
        for (int i = 0; i < order; i++)
        {
            x[i] = _layout.Lag(state, count, i) / scale;
        }

        x[order] = 1;
        x[..order].CopyTo(lags);
        served[ForecastGuard.Autoregressive] = LinearCombiner.Standardise(AutoregressiveCandidate.Predict(ar, 0, x), centre, sigma);
        served[ForecastGuard.AutoregressiveLong] = _longMemory
            ? LinearCombiner.Standardise(AutoregressiveCandidate.Predict(ar, 1, x), centre, sigma)
            : double.NaN;
        if (!learn)
        {
            lags.Fill(double.NaN);
        }
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

        var guard = _layout.Guard(state);
        ReadOnlySpan<bool> present = _present;
        double resolved = guard[2] + 1;
        ForecastGuard.Learn(guard.Slice(LinearStateLayout.LossIndex, ForecastGuard.Candidates), served[..ForecastGuard.Candidates], present, z, resolved, _forgetting);
        guard[3] = ForecastGuard.LearnEvidence(guard.Slice(LinearStateLayout.EvidenceIndex, ForecastGuard.EvidenceSlots),
            guard.Slice(LinearStateLayout.EvidenceIndex + ForecastGuard.EvidenceSlots, ForecastGuard.EvidenceSlots),
            served[..ForecastGuard.Candidates], served[LinearStateLayout.AggregateIndex], present, z, resolved, _forgetting, guard[3]);
        guard[2] = Math.Min(resolved, 1e15);
        double error = Math.Abs(z - servedZ), spread = served[LinearStateLayout.ServedIndex + 1];
        guard[0] = ForecastGuard.Calibrate(guard[0], 0.80, error, spread, served[LinearStateLayout.ServedIndex + 2], _coverageRate);
        guard[1] = ForecastGuard.Calibrate(guard[1], 0.95, error, spread, served[LinearStateLayout.ServedIndex + 3], _coverageRate);
    }
}
