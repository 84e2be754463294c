using StreamRnn.Core.Numerics;

namespace StreamRnn.Engine.Forecasting;

/// <summary>
/// The guard's network-free candidates: the online AR(p) baseline itself, per key — plain (unweighted, unclipped) least
/// squares with forgetting of y[t+h] on y[t], …, y[t−p+1] and a constant, in the key's own units over a fixed scale
/// (the key's σ at its first learnt forecast), with a weak prior around persistence — once with the pipeline's
/// forgetting and once with forgetting 1. Their state: [scale, RLS state with forgetting λ, RLS state with forgetting
/// 1], each RLS of p + 1 regressors; no allocation.
/// </summary>
internal static class AutoregressiveCandidate
{
    /// <summary>Prior variance of the coefficients (in units of the scale): a weak prior, as the baselines'.</summary>
    private const double Prior = 100;

    /// <summary>No scale yet; both fits' coefficients at persistence (weight 1 on y[t] for a Raw target, 0 for a change target).</summary>
    public static void Reset(Span<double> block, int order, bool rawTarget)
    {
        block[0] = double.NaN;
        int length = RecursiveLeastSquares.StateLength(order + 1);
        for (int fit = 0; fit < 2; fit++)
        {
            var rls = block.Slice(1 + fit * length, length);
            RecursiveLeastSquares.Initialize(rls, order + 1, Prior);
            if (rawTarget)
            {
                rls[0] = 1.0;
            }
        }
    }

    /// <summary>The scale, fixed at the first learnt forecast of a key with a usable σ (NaN until then).</summary>
    public static double Scale(ReadOnlySpan<double> block) => block[0];

    /// <summary>Sets the scale if it is not set yet and the forecast learns with a usable σ.</summary>
    public static void Prepare(Span<double> block, double sigma, bool learn)
    {
        if (!(block[0] > 0) && learn && sigma > 0 && double.IsFinite(sigma))
        {
            block[0] = sigma;
        }
    }

    /// <summary>The forecast of fit <paramref name="fit"/> (0: forgetting λ, 1: forgetting 1) in target units from the scaled lags and the constant (p + 1 values).</summary>
    public static double Predict(ReadOnlySpan<double> block, int fit, ReadOnlySpan<double> x)
    {
        int length = RecursiveLeastSquares.StateLength(x.Length);
        return block[0] * RecursiveLeastSquares.Predict(block.Slice(1 + fit * length, length), x);
    }

    /// <summary>Both fits learn from the resolved <paramref name="value"/> of a forecast made from the scaled <paramref name="lags"/> (p values).</summary>
    public static void Learn(Span<double> block, ReadOnlySpan<double> lags, double value, double forgetting)
    {
        int order = lags.Length;
        int length = RecursiveLeastSquares.StateLength(order + 1);
        Span<double> x = stackalloc double[order + 1];
        lags.CopyTo(x);
        x[order] = 1;
        RecursiveLeastSquares.Update(block.Slice(1, length), x, value / block[0], forgetting, Prior * (order + 1));
        RecursiveLeastSquares.Update(block.Slice(1 + length, length), x, value / block[0], 1.0, Prior * (order + 1));
    }
}
