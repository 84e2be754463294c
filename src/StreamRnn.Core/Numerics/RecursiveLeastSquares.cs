using System.Runtime.CompilerServices;

namespace StreamRnn.Core.Numerics;

/// <summary>
/// Online linear least squares with exponential forgetting (recursive least squares), in double precision, over a
/// state span the caller owns — so one key's regression lives in its slab and costs nothing to keep, copy or persist.
/// </summary>
/// <remarks>
/// <para>State layout for n regressors (<see cref="StateLength"/> = n + n² doubles): the coefficients w (n), then the
/// inverse-covariance estimate P (n × n, row-major, symmetric).</para>
/// <para>One update with regressors x, observation y and forgetting factor λ ∈ (0, 1]:
/// <c>π = P x;  κ = λ + xᵀπ;  e = y − wᵀx;  w ← w + π e / κ;  P ← (P − π πᵀ / κ) / λ</c>.
/// After T updates from <see cref="Initialize"/> (w = 0, P = δ I) w minimises
/// <c>Σ_t λ^(T−t) (y_t − wᵀx_t)² + λ^T ‖w‖² / δ</c> exactly (a ridge regression that forgets).</para>
/// <para>Wind-up guard: without excitation (x ≈ 0 for a long time) the division by λ makes P grow without bound and
/// the next informative x would swing w wildly. When trace(P) exceeds <c>δ · n</c> — the trace it starts from — an
/// update does not divide by λ, so P never grows past its initial size (the "bounded trace" variant of RLS).</para>
/// <para>An update whose x or y is not finite, or whose result would not be finite, leaves the state untouched and
/// returns false. Every operation is a plain scalar multiply or add in a fixed order, so results are the same bits on
/// every CPU.</para>
/// </remarks>
public static class RecursiveLeastSquares
{
    /// <summary>The largest number of regressors (the update keeps π on the stack).</summary>
    public const int MaxRegressors = 64;

    /// <summary>Doubles of state for <paramref name="regressors"/> regressors: n coefficients and an n × n matrix.</summary>
    public static int StateLength(int regressors)
    {
        ValidateCount(regressors);
        return regressors + regressors * regressors;
    }

    /// <summary>w = 0, P = δ I: a prior that every coefficient is 0 with variance δ (in units of the noise).</summary>
    public static void Initialize(Span<double> state, int regressors, double delta)
    {
        CheckState(state, regressors);
        if (!(delta > 0) || !double.IsFinite(delta))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "delta must be a positive finite number");
        }

        state[..StateLength(regressors)].Clear();
        var p = state.Slice(regressors, regressors * regressors);
        for (int i = 0; i < regressors; i++)
        {
            p[i * regressors + i] = delta;
        }
    }

    /// <summary>The coefficients w (a view into the state).</summary>
    public static ReadOnlySpan<double> Coefficients(ReadOnlySpan<double> state, int regressors) => state[..regressors];

    /// <summary>wᵀx.</summary>
    public static double Predict(ReadOnlySpan<double> state, ReadOnlySpan<double> x)
    {
        int n = x.Length;
        CheckState(state, n);
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += state[i] * x[i];
        }

        return sum;
    }

    /// <summary>Folds in one observation y of regressors x, forgetting older ones by λ.</summary>
    /// <param name="state">The regression's state (see the remarks of the type).</param>
    /// <param name="x">The regressors.</param>
    /// <param name="y">The observation.</param>
    /// <param name="forgetting">λ ∈ (0, 1]; 1 never forgets, 0.999 has a memory of about 1,000 observations.</param>
    /// <param name="traceLimit">The trace of P above which P stops growing (use δ·n, the initial trace).</param>
    /// <returns>False (state untouched) when x, y or the result is not finite.</returns>
    [SkipLocalsInit]
    public static bool Update(Span<double> state, ReadOnlySpan<double> x, double y, double forgetting, double traceLimit)
    {
        int n = x.Length;
        CheckState(state, n);
        if (!(forgetting > 0 && forgetting <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(forgetting), forgetting, "forgetting must be in (0, 1]");
        }

        if (!double.IsFinite(y))
        {
            return false;
        }

        var w = state[..n];
        var p = state.Slice(n, n * n);
        Span<double> pi = stackalloc double[n];
        double prediction = 0;
        double curvature = forgetting;
        double trace = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(x[i]))
            {
                return false;
            }

            ReadOnlySpan<double> row = p.Slice(i * n, n);
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                sum += row[j] * x[j];
            }

            pi[i] = sum;
            prediction += w[i] * x[i];
            trace += row[i];
        }

        for (int i = 0; i < n; i++)
        {
            curvature += x[i] * pi[i];
        }

        double error = y - prediction;
        if (!double.IsFinite(curvature) || !(curvature > 0) || !double.IsFinite(error))
        {
            return false;
        }

        // Check the whole result before writing any of it, so a failed update leaves the state as it was.
        double gain = error / curvature;
        double largestPi = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(w[i] + pi[i] * gain))
            {
                return false;
            }

            largestPi = Math.Max(largestPi, Math.Abs(pi[i]));
        }

        if (!double.IsFinite(largestPi * largestPi / curvature) || !double.IsFinite(trace / forgetting))
        {
            return false;
        }

        // (π_i π_j) / κ is the same product for (i, j) and (j, i), so P stays exactly symmetric.
        double scale = trace > traceLimit ? 1.0 : 1.0 / forgetting;
        double inverseCurvature = 1.0 / curvature;
        for (int i = 0; i < n; i++)
        {
            w[i] += pi[i] * gain;
            var row = p.Slice(i * n, n);
            for (int j = 0; j < n; j++)
            {
                row[j] = (row[j] - pi[i] * pi[j] * inverseCurvature) * scale;
            }
        }

        return true;
    }

    private static void ValidateCount(int regressors)
    {
        if (regressors < 1 || regressors > MaxRegressors)
        {
            throw new ArgumentOutOfRangeException(nameof(regressors), regressors, $"must be between 1 and {MaxRegressors}");
        }
    }

    private static void CheckState(ReadOnlySpan<double> state, int regressors)
    {
        ValidateCount(regressors);
        if (state.Length < regressors + regressors * regressors)
        {
            throw new ArgumentException($"the state needs {regressors + regressors * regressors} doubles for {regressors} regressors", nameof(state));
        }
    }
}
