using System.Globalization;

namespace StreamRnn.Engine.Output;

/// <summary>What prediction records say about their own reliability (section "Output" of a pipeline).</summary>
/// <remarks>
/// A regression head's forecast is de-normalised with the key's running target statistics:
/// <c>mean = μ_y + σ_y·m</c>, <c>stddev = σ_y·exp(½·logvar)</c>. After n target values σ_y is estimated from n values
/// (σ_y = 0, floored to Normalization:MinStandardDeviation, after one), so a new key's first intervals would be
/// absurdly narrow. While n &lt; <see cref="WarmupTargets"/> a record therefore says <c>"warming_up":true</c> and
/// carries no intervals. As a rule of thumb the relative standard error of a sample standard deviation is about
/// 1/√(2n): 16% at the default n = 20.
/// </remarks>
public sealed class OutputOptions
{
    /// <summary>Largest warm-up accepted.</summary>
    public const int MaxWarmupTargets = 1_000_000;

    /// <summary>
    /// N: a key's prediction is marked warming up (no intervals) while its target statistics hold fewer than N values
    /// (Raw target: the key's first N records; Difference and LogReturn: its first N + 1). 0 = never.
    /// Binary heads are not affected (a probability is not de-normalised).
    /// </summary>
    public int WarmupTargets { get; set; } = 20;

    /// <summary>Each error reads "&lt;prefix&gt;:&lt;Setting&gt;: &lt;problem&gt; (never the value)"; empty = valid.</summary>
    public IReadOnlyList<string> Validate(string settingPrefix = "Output")
    {
        var errors = new List<string>();
        if (WarmupTargets is < 0 or > MaxWarmupTargets)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"{settingPrefix}:{nameof(WarmupTargets)}: must be between 0 and {MaxWarmupTargets}"));
        }

        return errors;
    }
}
