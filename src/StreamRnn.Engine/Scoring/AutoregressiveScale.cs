namespace StreamRnn.Engine.Scoring;

/// <summary>
/// The unit an online AR(p) baseline regresses in, shared by the live baselines and the backtest's so both compute the
/// same numbers. A key's scale s is the RMS of its first pair's lag regressors and target (NaN while they are all 0);
/// regressors (but the intercept at index 0) and targets are divided by s, so the regression works on numbers near 1
/// whatever the series' units (bytes per second and log returns alike): a prior P₀ = 10⁴·I is then weak everywhere,
/// and the update does not lose the intercept to cancellation.
/// </summary>
public static class AutoregressiveScale
{
    /// <summary>s from the first pair: regressors <paramref name="x"/> (x[0] the intercept) and its target.</summary>
    public static double Of(ReadOnlySpan<double> x, double target)
    {
        double sum = target * target;
        for (int i = 1; i < x.Length; i++)
        {
            sum += x[i] * x[i];
        }

        double scale = Math.Sqrt(sum / x.Length);
        return scale > 0 && double.IsFinite(scale) ? scale : double.NaN;
    }

    /// <summary>Divides every regressor but the intercept by <paramref name="scale"/>, in place.</summary>
    public static void Apply(Span<double> x, double scale)
    {
        for (int i = 1; i < x.Length; i++)
        {
            x[i] /= scale;
        }
    }
}
