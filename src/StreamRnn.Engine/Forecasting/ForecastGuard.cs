namespace StreamRnn.Engine.Forecasting;

/// <summary>
/// The two online corrections the per-key linear path applies to what it serves, on the key's state span (no
/// allocation): an <b>MAE-aware guard</b> that aggregates the combined forecast with the cheap candidates it already has
/// the inputs for, by exponentially weighted averaging on their discounted absolute errors, and <b>adaptive conformal
/// interval multipliers</b> (Gibbs &amp; Candès 2021) per interval level.
/// </summary>
/// <remarks>
/// <para>Guard. Candidates (all in the key's standardised units, so losses are comparable across scales): 0 the combined
/// RLS forecast (network + AR + seasonal lag), 1 persistence (no change, or the last value for a Raw target), 2 the
/// seasonal lag y[t+h−S] (persistence while the key has less than a season), 3 an online AR(p) of the key (plain
/// least squares with the same forgetting on its last p values and a constant, in its own units over a fixed scale,
/// weak prior around persistence: the online AR(p) baseline itself), 4 the same AR(p) with forgetting 1 (all history;
/// absent when λ = 1): at a horizon where the best AR's memory is not known in advance, the guard picks it. Each keeps ℓ_i, an exponentially discounted mean of |z − f_i| (rate max(1 − λ, 1/n) after n
/// resolved forecasts). The served forecast is Σ w_i f_i / Σ w_i with w_i = exp(−η (ℓ_i − ℓ_min) / ℓ_min) and
/// η = κ·√(8 ln K · n_eff), n_eff = min(n, 1/(1 − λ)) — the Hedge rate for losses on the scale of the best candidate's
/// mean error over the effective window. Absolute loss is convex, so the aggregate's loss is at most the weighted mean of
/// the candidates' losses: with this rate it tracks the best of them in absolute error up to O(√(n ln K)) (Cesa-Bianchi
/// &amp; Lugosi 2006, thm 2.2), whatever the squared-error fit of the combination did.</para>
/// <para>Evidence. On a random walk every candidate's error differs from persistence's by noise, and the aggregate pays
/// the mixing (regret) for nothing. So persistence is served until the data show that leaving it pays: per candidate,
/// and for the aggregate itself, the discounted mean d̄ and second moment of d = |z − f| − |z − f_persistence| (same
/// rate as ℓ) and V = Σ of the squared discount weights (V = 1/n without discounting) give the standard error
/// √((m₂ − d̄²)·V) of d̄; the aggregate is served while some d̄ is at least k standard errors below 0
/// (<see cref="LinearOptions.GuardEvidence"/>), persistence otherwise — a one-sided test of "better than
/// persistence" at level Φ(−k) (k = 2: 2.3 %).</para>
/// <para>Floor (<see cref="LinearOptions.GuardFloor"/>). Once the aggregate may be served, it is served only while its
/// d̄ is no larger than that of every single candidate that may be served instead — persistence (d̄ = 0) and each
/// candidate that passed the same test — else that candidate alone (<see cref="Floor"/>): the Hedge bound holds up to
/// its regret, and where the regret is what loses (a slow rate, heavy tails, a mixture of a good and a bad candidate)
/// the served forecast falls back to the best single one in discounted error rather than lag it.</para>
/// <para>Intervals. Per level p (80 %, 95 %) a multiplier q_p of the forecast's spread, starting at the Gaussian z_p:
/// after each resolved forecast q_p ← q_p + γ·(1{|error| &gt; q_p,used·spread} − (1 − p)), clamped to [0.05, 50]. The long-run
/// miss rate then converges to 1 − p on any error distribution (adaptive conformal inference): |miss rate − (1 − p)|
/// ≤ (range of q + γ) / (γ·n).</para>
/// </remarks>
internal static class ForecastGuard
{
    /// <summary>Candidates tracked (combined, persistence, seasonal, AR, AR without forgetting).</summary>
    public const int Candidates = 5;

    public const int Combined = 0, Persistence = 1, Seasonal = 2, Autoregressive = 3, AutoregressiveLong = 4;

    /// <summary>Slots of evidence statistics: one per candidate and one (<see cref="Candidates"/>) for the aggregate.</summary>
    public const int EvidenceSlots = Candidates + 1;

    /// <summary>Names of the candidates in the key inspector.</summary>
    public static readonly string[] Names = ["combined", "persistence", "seasonal", "ar", "ar_long"];

    /// <summary>z of the central 80 % and 95 % intervals of a normal distribution.</summary>
    public const double Z80 = 1.2815515655446004, Z95 = 1.959963984540054;

    private const double MultiplierFloor = 0.05, MultiplierCeiling = 50;

    /// <summary>
    /// The weights of the candidates present (<paramref name="present"/>[i]) from their discounted losses; absent ones
    /// get 0. <paramref name="resolved"/> is n, the forecasts resolved so far.
    /// </summary>
    public static void Weights(ReadOnlySpan<double> losses, ReadOnlySpan<bool> present, double resolved, double forgetting,
        double rate, Span<double> weights)
    {
        int k = 0;
        double best = double.PositiveInfinity;
        for (int i = 0; i < Candidates; i++)
        {
            if (present[i])
            {
                k++;
                best = Math.Min(best, losses[i]);
            }
        }

        double window = forgetting < 1 ? Math.Min(resolved, 1 / (1 - forgetting)) : resolved;
        double eta = rate * Math.Sqrt(8 * Math.Log(Math.Max(k, 2)) * Math.Max(window, 0));
        double reference = Math.Max(best, 1e-12);
        double total = 0;
        for (int i = 0; i < Candidates; i++)
        {
            double w = present[i] ? Math.Exp(-eta * (losses[i] - best) / reference) : 0;
            weights[i] = double.IsFinite(w) ? w : 0;
            total += weights[i];
        }

        for (int i = 0; i < Candidates; i++)
        {
            weights[i] = total > 0 ? weights[i] / total : (i == Combined ? 1 : 0);
        }
    }

    /// <summary>ℓ_i ← ℓ_i + r·(|z − f_i| − ℓ_i) for every present candidate, r = max(1 − λ, 1/n).</summary>
    public static void Learn(Span<double> losses, ReadOnlySpan<double> forecasts, ReadOnlySpan<bool> present, double z,
        double resolved, double forgetting)
    {
        double rate = Math.Max(1 - forgetting, 1 / Math.Max(resolved, 1));
        for (int i = 0; i < Candidates; i++)
        {
            double loss = Math.Abs(z - forecasts[i]);
            if (present[i] && double.IsFinite(loss))
            {
                losses[i] += rate * (loss - losses[i]);
            }
        }
    }

    /// <summary>
    /// d_j = |z − f_j| − |z − f_persistence| for every present candidate j and the aggregate (slot
    /// <see cref="Candidates"/>, forecast <paramref name="aggregate"/>): m₁ ← m₁ + r·(d − m₁), m₂ ← m₂ + r·(d² − m₂) with
    /// r = max(1 − λ, 1/n); <paramref name="weightSquares"/> V ← (1 − r)²·V + r² is returned.
    /// </summary>
    public static double LearnEvidence(Span<double> mean, Span<double> second, ReadOnlySpan<double> forecasts, double aggregate,
        ReadOnlySpan<bool> present, double z, double resolved, double forgetting, double weightSquares)
    {
        double rate = Math.Max(1 - forgetting, 1 / Math.Max(resolved, 1));
        double reference = Math.Abs(z - forecasts[Persistence]);
        for (int j = 0; j < EvidenceSlots; j++)
        {
            double d = Math.Abs(z - (j < Candidates ? forecasts[j] : aggregate)) - reference;
            if ((j == Candidates || present[j]) && double.IsFinite(d))
            {
                mean[j] += rate * (d - mean[j]);
                second[j] += rate * (d * d - second[j]);
            }
        }

        double kept = 1 - rate;
        return kept * kept * weightSquares + rate * rate;
    }

    /// <summary>
    /// Whether some present candidate other than persistence, or the aggregate, has beaten persistence by at least
    /// <paramref name="k"/> standard errors: d̄_j &lt; 0 and −d̄_j ≥ k·√((m₂ − d̄²)·V) (a steady gain with no spread at
    /// all, e.g. a trend an AR forecasts exactly, is evidence too). The caller asks only after two resolved forecasts.
    /// </summary>
    public static bool Evident(ReadOnlySpan<double> mean, ReadOnlySpan<double> second, double weightSquares, ReadOnlySpan<bool> present, double k)
    {
        for (int j = 0; j < EvidenceSlots; j++)
        {
            if (j == Persistence || (j < Candidates && !present[j]))
            {
                continue;
            }

            if (Beats(mean, second, weightSquares, j, k))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The floor under the aggregate: which forecast to serve once the evidence allows leaving persistence —
    /// <see cref="Candidates"/> for the aggregate, or the index of the single candidate to serve alone. The servable
    /// single candidates are persistence and every present candidate that has beaten it by <paramref name="k"/>
    /// standard errors (<see cref="Evident"/>'s test; at k = 0 every one with d̄ ≤ 0); the aggregate is served while its
    /// d̄ (its discounted mean absolute error minus persistence's) is no larger than each of theirs, otherwise the one
    /// with the smallest d̄. So what is served never lags, in discounted error, the best candidate it could have served.
    /// </summary>
    public static int Floor(ReadOnlySpan<double> mean, ReadOnlySpan<double> second, double weightSquares, ReadOnlySpan<bool> present, double k)
    {
        int choice = Candidates;
        double best = mean[Candidates];
        if (!double.IsFinite(best))
        {
            return Persistence;
        }

        for (int j = 0; j < Candidates; j++)
        {
            bool servable = j == Persistence || present[j] && mean[j] <= 0 && Beats(mean, second, weightSquares, j, k);
            if (servable && mean[j] < best)
            {
                best = mean[j];
                choice = j;
            }
        }

        return choice;
    }

    /// <summary>Whether slot j's d̄ is at least k standard errors below 0 (d̄ ≤ 0 at k = 0).</summary>
    private static bool Beats(ReadOnlySpan<double> mean, ReadOnlySpan<double> second, double weightSquares, int j, double k)
    {
        if (k <= 0)
        {
            return mean[j] <= 0;
        }

        double error = Math.Sqrt(Math.Max(second[j] - mean[j] * mean[j], 0) * weightSquares);
        return mean[j] < 0 && -mean[j] >= k * error;
    }

    /// <summary>
    /// One adaptive conformal step of the current <paramref name="multiplier"/> of a central interval of coverage
    /// <paramref name="level"/>, from whether the resolved forecast fell outside the interval it was published with
    /// (<paramref name="used"/>·spread; at a horizon h &gt; 1 that is the multiplier of h steps ago).
    /// </summary>
    public static double Calibrate(double multiplier, double level, double absoluteError, double spread, double used, double gamma)
    {
        if (!(gamma > 0) || !double.IsFinite(absoluteError) || !(spread > 0) || !double.IsFinite(multiplier) || !double.IsFinite(used))
        {
            return multiplier;
        }

        double miss = absoluteError > used * spread ? 1 : 0;
        return Math.Clamp(multiplier + gamma * (miss - (1 - level)), MultiplierFloor, MultiplierCeiling);
    }
}
