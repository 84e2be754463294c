using System.Globalization;
using Prometheus;

namespace StreamRnn.Engine.Metrics;

/// <summary>
/// The series of streamrnn_prequential_horizon_error_total and streamrnn_prequential_horizon_scored_total of one
/// pipeline and one horizon of Target:Horizons, resolved (and so pre-created) once: the model, persistence ("baseline")
/// and each configured strong baseline, so the hot path does no label lookups.
/// </summary>
public sealed class HorizonErrorCounters
{
    private readonly string[] _baselines;
    private readonly Counter.Child[] _baselineAbsolute, _baselineSquared;

    internal HorizonErrorCounters(StreamRnnMetrics metrics, string pipeline, int horizon, IReadOnlyList<string> baselines)
    {
        string h = horizon.ToString(CultureInfo.InvariantCulture);
        Counter.Child Child(string forecaster, string metric) => metrics.PrequentialHorizonError.WithLabels(pipeline, h, forecaster, metric);
        Horizon = horizon;
        Scored = metrics.PrequentialHorizonScored.WithLabels(pipeline, h);
        ModelAbsoluteError = Child("model", "abs");
        ModelSquaredError = Child("model", "squared");
        ModelLogLoss = Child("model", "logloss");
        ModelBrier = Child("model", "brier");
        BaselineAbsoluteError = Child("baseline", "abs");
        BaselineSquaredError = Child("baseline", "squared");
        BaselineLogLoss = Child("baseline", "logloss");
        BaselineBrier = Child("baseline", "brier");
        _baselines = [.. baselines];
        _baselineAbsolute = [.. baselines.Select(b => Child(b, "abs"))];
        _baselineSquared = [.. baselines.Select(b => Child(b, "squared"))];
    }

    /// <summary>The horizon h (the horizon label).</summary>
    public int Horizon { get; }

    public Counter.Child Scored { get; }
    public Counter.Child ModelAbsoluteError { get; }
    public Counter.Child ModelSquaredError { get; }
    public Counter.Child ModelLogLoss { get; }
    public Counter.Child ModelBrier { get; }
    public Counter.Child BaselineAbsoluteError { get; }
    public Counter.Child BaselineSquaredError { get; }
    public Counter.Child BaselineLogLoss { get; }
    public Counter.Child BaselineBrier { get; }

    /// <summary>The abs series of strong baseline <paramref name="forecaster"/> ("ar", "seasonal_naive"), or null if not configured.</summary>
    public Counter.Child? StrongAbsolute(string forecaster) => Find(_baselineAbsolute, forecaster);

    /// <summary>The squared series of strong baseline <paramref name="forecaster"/>, or null if not configured.</summary>
    public Counter.Child? StrongSquared(string forecaster) => Find(_baselineSquared, forecaster);

    private Counter.Child? Find(Counter.Child[] series, string forecaster)
    {
        int i = Array.IndexOf(_baselines, forecaster);
        return i < 0 ? null : series[i];
    }
}
