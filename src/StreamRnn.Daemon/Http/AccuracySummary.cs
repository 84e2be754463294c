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

    public static AccuracySummary From(PipelineDefinition definition, PrequentialSummary summary)
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
            Baselines = summary.Baselines.ToDictionary(b => b.Forecaster, b => new BaselineFigures(b.Scored, Finite(b.Mae), Finite(b.Rmse)), StringComparer.Ordinal),
        };
    }

    /// <summary>One strong baseline's figures (null = nothing scored yet).</summary>
    public sealed record BaselineFigures(long Scored, double? Mae, double? Rmse);

    // JSON has no NaN: "not applicable / nothing scored" is null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
