using StreamRnn.Core.Numerics;

namespace StreamRnn.Engine;

/// <summary>
/// The guard's network-free candidate: the online AR(p) baseline itself, per key — plain (unweighted, unclipped) least
/// squares with forgetting of y[t+h] on y[t], …, y[t−p+1] and a constant, in the key's own units over a fixed scale
/// (the key's σ at its first learnt forecast), with a weak prior around persistence. Its state: [scale, RLS state of
/// p + 1 regressors]; no allocation.
/// </summary>
internal static class AutoregressiveCandidate
{
    /// <summary>Prior variance of the coefficients (in units of the scale): a weak prior, as the baselines'.</summary>
    private const double Prior = 100;

    /// <summary>Doubles of state for order p.</summary>
    public static int StateLength(int order) => 1 + RecursiveLeastSquares.StateLength(order + 1);

    /// <summary>No scale yet; coefficients at persistence (weight 1 on y[t] for a Raw target, 0 for a change target).</summary>
    public static void Reset(Span<double> state, int order, bool rawTarget)
    {
        state[0] = double.NaN;
        RecursiveLeastSquares.Initialize(state[1..], order + 1, Prior);
        if (rawTarget)
        {
            state[1] = 1.0;
        }
    }

    /// <summary>The scale, fixed at the first learnt forecast of a key with a usable σ (0 or NaN until then).</summary>
    public static double Scale(ReadOnlySpan<double> state) => state[0];

    /// <summary>Sets the scale if it is not set yet and the forecast learns with a usable σ.</summary>
    public static void Prepare(Span<double> state, double sigma, bool learn)
    {
        if (!(state[0] > 0) && learn && sigma > 0 && double.IsFinite(sigma))
        {
            state[0] = sigma;
        }
    }

    /// <summary>The forecast in target units from the scaled lags and the constant (<paramref name="x"/>, p + 1 values).</summary>
    public static double Predict(ReadOnlySpan<double> state, ReadOnlySpan<double> x) => state[0] * RecursiveLeastSquares.Predict(state[1..], x);

    /// <summary>Learns from the resolved <paramref name="value"/> of a forecast made from the scaled <paramref name="lags"/> (p values).</summary>
    public static void Learn(Span<double> state, ReadOnlySpan<double> lags, double value, double forgetting)
    {
        int order = lags.Length;
        Span<double> x = stackalloc double[order + 1];
        lags.CopyTo(x);
        x[order] = 1;
        RecursiveLeastSquares.Update(state[1..], x, value / state[0], forgetting, Prior * (order + 1));
    }
}
