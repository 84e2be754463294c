namespace StreamRnn.Engine.Configuration;

/// <summary>Per-key running statistics used to standardise features and the target.</summary>
/// <remarks>
/// One update rule covers both cumulative and forgetting statistics. With n the number of values seen
/// (including x) and α = 1 − 2^(−1/HalfLife) (α = 0 when HalfLife = 0), a = max(1/n, α):
/// <c>d = x − μ;  μ ← μ + a·d;  σ² ← (1 − a)·(σ² + a·d²)</c>.
/// While 1/n ≥ α this is exactly Welford's population mean and variance; afterwards it is an exponentially
/// weighted mean and variance whose weights halve every HalfLife steps, so a drifting series is followed
/// without a warm-up bias. Standardised value: <c>z = (x − μ) / max(σ, MinStandardDeviation)</c>.
/// </remarks>
public sealed class NormalizationOptions
{
    /// <summary>Steps over which a past value's weight halves; 0 = never forget (plain Welford).</summary>
    public double HalfLife { get; set; } = 500;

    /// <summary>Floor of σ, so a constant series gives z = 0 instead of a division by zero.</summary>
    public double MinStandardDeviation { get; set; } = 1e-6;
}
