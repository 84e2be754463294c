namespace StreamRnn.Engine.Features;

/// <summary>
/// Per-key running mean and variance, kept as three doubles (n, μ, σ²) in the state store's statistics slab.
/// </summary>
/// <remarks>
/// With n counting values including x, α = 1 − 2^(−1/HalfLife) (0 without forgetting) and a = max(1/n, α):
/// <c>d = x − μ;  μ ← μ + a·d;  σ² ← (1 − a)·(σ² + a·d²)</c>.
/// For a = 1/n this is Welford's update of the population mean and variance
/// (σ²ₙ = (1 − 1/n)(σ²ₙ₋₁ + d²/n)); once 1/n &lt; α it becomes the exponentially weighted mean and variance.
/// Starting with Welford removes the bias an exponential average has while it warms up.
/// Standardised value: <c>z = clamp((x − μ) / max(σ, σ_min), ±ZLimit)</c>.
/// </remarks>
internal static class RunningStatistics
{
    /// <summary>Doubles per statistic: count, mean, variance.</summary>
    public const int Width = 3;

    /// <summary>
    /// Standardised inputs are clipped to ±ZLimit so that a jump after a near-constant stretch (tiny σ) cannot
    /// drive every gate into saturation.
    /// </summary>
    public const double ZLimit = 10;

    public static double Alpha(double halfLife) => halfLife > 0 ? 1 - Math.Pow(2, -1 / halfLife) : 0;

    /// <summary>
    /// Adds <paramref name="x"/>; false (and <paramref name="statistic"/> unchanged) when the new mean or variance
    /// would not be finite: a finite but absurd value (|x| beyond about 1.3e154 squares to +∞) would otherwise make
    /// the variance +∞ for good and every later standardised value 0 or NaN.
    /// </summary>
    public static bool Update(Span<double> statistic, double x, double alpha)
    {
        double n = statistic[0] + 1;
        double a = Math.Max(1 / n, alpha);
        double d = x - statistic[1];
        double mean = statistic[1] + a * d;
        double variance = (1 - a) * (statistic[2] + a * d * d);
        if (!double.IsFinite(mean) || !double.IsFinite(variance))
        {
            return false;
        }

        statistic[1] = mean;
        statistic[2] = variance;
        statistic[0] = n;
        return true;
    }

    public static double Mean(ReadOnlySpan<double> statistic) => statistic[1];

    public static double StandardDeviation(ReadOnlySpan<double> statistic, double floor) =>
        Math.Max(Math.Sqrt(statistic[2]), floor);

    public static double Standardise(ReadOnlySpan<double> statistic, double x, double floor) =>
        Math.Clamp((x - statistic[1]) / StandardDeviation(statistic, floor), -ZLimit, ZLimit);
}
