namespace StreamRnn.Engine.Scoring;

/// <summary>
/// The baselines scored beside the model (section "Baselines" of a pipeline): live in the prequential metrics and
/// <c>/pipelines/{p}/accuracy</c>, and the defaults of <c>streamrnn backtest</c>'s --ar-order, --ar-forgetting and --season.
/// </summary>
/// <remarks>
/// Regression heads: "ar", an online AR(<see cref="ArOrder"/>) of each key's target fitted by recursive least squares
/// with forgetting <see cref="ArForgetting"/> (direct Target:Horizon-step), and with a <see cref="Season"/>
/// "seasonal_naive", the target one season earlier. Each key's regression and its last max(Horizon + ArOrder, Season)
/// targets live beside its state: (p + 1)(p + 2) + 2·Horizon + max(Horizon + p, Season) + 3 doubles and a long per key.
/// </remarks>
public sealed class BaselineOptions
{
    /// <summary>Largest season (steps of a key's history kept for seasonal naive).</summary>
    public const int MaxSeason = 1024;

    /// <summary>Largest AR order.</summary>
    public const int MaxArOrder = 16;

    /// <summary>p of the "ar" baseline; 0 = no AR baseline.</summary>
    public int ArOrder { get; set; } = 3;

    /// <summary>λ ∈ (0, 1] of the "ar" baseline; 0.999 remembers about 1,000 steps.</summary>
    public double ArForgetting { get; set; } = 0.999;

    /// <summary>Steps of a season (e.g. 24 for hourly data with a daily cycle); 0 = no seasonal naive baseline.</summary>
    public int Season { get; set; }

    /// <summary>Each error reads "&lt;prefix&gt;:&lt;Setting&gt;: &lt;problem&gt;"; empty = valid.</summary>
    public IReadOnlyList<string> Validate(string settingPrefix = "Baselines")
    {
        var errors = new List<string>();
        if (ArOrder is < 0 or > MaxArOrder)
        {
            errors.Add($"{settingPrefix}:{nameof(ArOrder)}: must be between 0 and {MaxArOrder}");
        }

        if (!(ArForgetting > 0 && ArForgetting <= 1))
        {
            errors.Add($"{settingPrefix}:{nameof(ArForgetting)}: must be above 0 and at most 1");
        }

        if (Season is < 0 or > MaxSeason)
        {
            errors.Add($"{settingPrefix}:{nameof(Season)}: must be between 0 (none) and {MaxSeason}");
        }

        return errors;
    }
}
