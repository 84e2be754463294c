using StreamRnn.Engine.Alerts;

namespace StreamRnn.Daemon.Backtest;

/// <summary>The scored replay: accuracy overall and per key for the model and the naive baselines, and alert quality.</summary>
/// <param name="Forecasters">"model" first, then the baselines, in report order.</param>
/// <param name="Threshold">The probability threshold of the precision/recall columns (Binary head), else NaN.</param>
/// <param name="AlertQuality">Alert quality (pipelines with Alerts), else null.</param>
/// <param name="DetectionQuality">Alert quality with the --detection-grace after each event, else null.</param>
/// <param name="Events">The watched outcome's onsets found in the data (e.g. bed exits), for pipelines with Alerts.</param>
internal sealed record BacktestScores(
    IReadOnlyList<string> Forecasters,
    IReadOnlyDictionary<string, ForecastMetrics> Overall,
    IReadOnlyList<KeyScore> PerKey,
    IReadOnlyList<KeyTrack> Tracks,
    double Threshold,
    AlertQuality? AlertQuality,
    IReadOnlyList<KeyedInstant> Events,
    AlertQuality? DetectionQuality = null)
{
    /// <summary>Each key's baseline forecasts, in the order of <see cref="Forecasters"/> after "model".</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<BaselineSeries>> Baselines { get; init; } =
        new Dictionary<string, IReadOnlyList<BaselineSeries>>();

    /// <summary>The baseline with the lowest overall MAE (log-loss for a Binary head), or null.</summary>
    public string? BestBaseline { get; init; }

    /// <summary>With Target:Horizons: per horizon h (in order) its own scores; empty otherwise.</summary>
    public IReadOnlyList<(int Horizon, BacktestScores Scores)> HorizonScores { get; init; } = [];

    /// <summary>The threshold rule last fitted (Binary head), as text, or null.</summary>
    public string? Rule { get; init; }
}
