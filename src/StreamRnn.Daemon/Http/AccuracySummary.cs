using System.Text.Json.Serialization;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Http;

/// <summary>
/// What <c>/pipelines/{name}/accuracy</c> shows: prequential accuracy of this instance's predictions since it started
/// (each scored when its target arrived), the model beside the naive baseline on the same predictions. Null where a
/// figure does not apply to the head or nothing was scored yet. Across instances, use the
/// <c>streamrnn_prequential_*</c> counters.
/// </summary>
/// <param name="Baseline">What the baseline predicts: "persistence" (Raw targets: the last value), "no change"
/// (Difference/LogReturn targets: 0) or "base rate" (Binary heads: the key's running share of 1s).</param>
public sealed record AccuracySummary(
    string Pipeline,
    string Head,
    string Baseline,
    long Scored,
    double? ModelMae,
    double? BaselineMae,
    double? ModelRmse,
    double? BaselineRmse,
    double? Coverage80,
    double? Coverage95,
    double? ModelLogLoss,
    double? BaselineLogLoss,
    double? ModelBrier,
    double? BaselineBrier,
    double? DecisionThreshold,
    double? ModelPrecision,
    double? ModelRecall,
    double? BaselinePrecision,
    double? BaselineRecall)
{
    /// <summary>
    /// The strong baselines on the same forecasts (regression heads, per the pipeline's Baselines section): "ar" and
    /// "seasonal_naive" → scored, MAE, RMSE.
    /// </summary>
    public IReadOnlyDictionary<string, BaselineFigures> Baselines { get; init; } = new Dictionary<string, BaselineFigures>();

    /// <summary>
    /// Target:Horizons pipelines only (absent otherwise): per horizon h, the model beside persistence/no change and the
    /// strong baselines, each scored at that horizon (the first entry's figures are the top-level ones).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<HorizonAccuracy>? Horizons { get; init; }

    public static AccuracySummary From(PipelineDefinition definition, PrequentialSummary summary) => From(definition, summary, null);

    /// <summary>As above; <paramref name="horizons"/> (one summary per horizon of Target:Horizons, or null) fills <see cref="Horizons"/>.</summary>
    public static AccuracySummary From(PipelineDefinition definition, PrequentialSummary summary, IReadOnlyList<PrequentialSummary>? horizons)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(summary);
        var head = definition.Model.Head;
        string baseline = Core.HeadKindExtensions.IsClassifier(head) ? "base rate"
            : definition.Target.Transform == TargetTransform.Raw ? "persistence" : "no change";
        bool binary = Core.HeadKindExtensions.IsClassifier(head);
        return new AccuracySummary(definition.Name, head.ToString(), baseline, summary.Scored,
            Finite(summary.ModelMae), Finite(summary.BaselineMae), Finite(summary.ModelRmse), Finite(summary.BaselineRmse),
            Finite(summary.Coverage80), Finite(summary.Coverage95),
            Finite(summary.ModelLogLoss), Finite(summary.BaselineLogLoss), Finite(summary.ModelBrier), Finite(summary.BaselineBrier),
            binary ? 0.5 : null,
            Finite(summary.ModelPrecision), Finite(summary.ModelRecall), Finite(summary.BaselinePrecision), Finite(summary.BaselineRecall))
        {
            Baselines = Figures(summary),
            Horizons = horizons is null ? null : [.. horizons.Select((h, k) => new HorizonAccuracy(definition.Target.HorizonList()[k], h.Scored,
                Finite(h.ModelMae), Finite(h.BaselineMae), Finite(h.ModelRmse), Finite(h.BaselineRmse), Finite(h.Coverage80), Finite(h.Coverage95))
            {
                Baselines = Figures(h),
            })],
        };
    }

    private static Dictionary<string, BaselineFigures> Figures(PrequentialSummary summary) =>
        summary.Baselines.ToDictionary(b => b.Forecaster, b => new BaselineFigures(b.Scored, Finite(b.Mae), Finite(b.Rmse)), StringComparer.Ordinal);

    /// <summary>
    /// One horizon of Target:Horizons (regression heads): the forecasts of horizon <paramref name="H"/> scored at their
    /// target, the model beside persistence/no change ("baseline…") and the strong baselines, as at the top level.
    /// </summary>
    public sealed record HorizonAccuracy(int H, long Scored, double? ModelMae, double? BaselineMae, double? ModelRmse, double? BaselineRmse,
        double? Coverage80, double? Coverage95)
    {
        /// <summary>"ar" and "seasonal_naive" at this horizon → scored, MAE, RMSE.</summary>
        public IReadOnlyDictionary<string, BaselineFigures> Baselines { get; init; } = new Dictionary<string, BaselineFigures>();
    }

    /// <summary>One strong baseline's figures (null = nothing scored yet).</summary>
    public sealed record BaselineFigures(long Scored, double? Mae, double? Rmse);

    // JSON has no NaN: "not applicable / nothing scored" is null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
