using StreamRnn.Core;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Engine.Scoring;

/// <summary>
/// Scores each prediction when its target arrives (h steps of the key later) against the naive baseline made at
/// the same time, into running sums and the prequential Prometheus counters.
/// </summary>
/// <remarks>
/// Regression: abs = |y − ŷ|, squared = (y − ŷ)²; Gaussian coverage counts |y − μ| ≤ q·σ with q the multiplier the
/// interval was published with: z₀.₉ = 1.2815515655446004 (the central 80% interval) and z₀.₉₇₅ = 1.959963984540054
/// (95%), or the key's conformally calibrated ones with a Linear path. Binary: p clipped to
/// [1e−7, 1 − 1e−7], logloss = −(y·ln p + (1 − y)·ln(1 − p)), brier = (p − y)², abs/squared of p − y as well, and
/// the confusion counts of the decision p ≥ 0.5 against y (y ≥ 0.5 is a positive), for precision = TP / (TP + FP)
/// and recall = TP / (TP + FN), for the model and for the baseline.
/// </remarks>
internal sealed class PrequentialScorer(HeadKind head, PipelineMetrics? metrics, HorizonErrorCounters? horizonMetrics = null)
{
    /// <summary>The decision threshold of the precision and recall figures.</summary>
    public const double DecisionThreshold = 0.5;

    private const double Z90 = 1.2815515655446004;
    private const double Z975 = 1.959963984540054;
    private const double ProbabilityFloor = 1e-7;

    private long _scored;
    private long _covered;
    private long _covered95;
    private readonly long[] _modelOutcomes = new long[4];
    private readonly long[] _baselineOutcomes = new long[4];
    private double _modelAbs, _modelSquared, _baselineAbs, _baselineSquared;
    private double _modelLogLoss, _baselineLogLoss, _modelBrier, _baselineBrier;

    public void Score(double y, double modelMean, double modelSpread, double baseline) =>
        Score(y, modelMean, modelSpread, baseline, Z90, Z975);

    /// <summary>Scores one forecast whose central 80 % and 95 % intervals are μ ± q80·σ and μ ± q95·σ.</summary>
    public void Score(double y, double modelMean, double modelSpread, double baseline, double q80, double q95)
    {
        double modelError = y - modelMean, baselineError = y - baseline;
        double modelAbs = Math.Abs(modelError), modelSquared = modelError * modelError;
        double baselineAbs = Math.Abs(baselineError), baselineSquared = baselineError * baselineError;
        _scored++;
        _modelAbs += modelAbs;
        _modelSquared += modelSquared;
        _baselineAbs += baselineAbs;
        _baselineSquared += baselineSquared;
        if (metrics is not null)
        {
            metrics.PrequentialScored.Inc();
            metrics.ModelAbsoluteError.Inc(modelAbs);
            metrics.ModelSquaredError.Inc(modelSquared);
            metrics.BaselineAbsoluteError.Inc(baselineAbs);
            metrics.BaselineSquaredError.Inc(baselineSquared);
        }

        if (horizonMetrics is not null)
        {
            horizonMetrics.Scored.Inc();
            horizonMetrics.ModelAbsoluteError.Inc(modelAbs);
            horizonMetrics.ModelSquaredError.Inc(modelSquared);
            horizonMetrics.BaselineAbsoluteError.Inc(baselineAbs);
            horizonMetrics.BaselineSquaredError.Inc(baselineSquared);
        }

        if (head == HeadKind.Gaussian)
        {
            if (modelAbs <= q80 * modelSpread)
            {
                _covered++;
                metrics?.Covered80.Inc();
            }

            if (modelAbs <= q95 * modelSpread)
            {
                _covered95++;
                metrics?.Covered95.Inc();
            }
        }

        if (head == HeadKind.Binary)
        {
            double modelLogLoss = LogLoss(y, modelMean), baselineLogLoss = LogLoss(y, baseline);
            _modelLogLoss += modelLogLoss;
            _baselineLogLoss += baselineLogLoss;
            _modelBrier += modelSquared;
            _baselineBrier += baselineSquared;
            int modelOutcome = Outcome(y, modelMean), baselineOutcome = Outcome(y, baseline);
            _modelOutcomes[modelOutcome]++;
            _baselineOutcomes[baselineOutcome]++;
            metrics?.ModelOutcomes[modelOutcome].Inc();
            metrics?.BaselineOutcomes[baselineOutcome].Inc();
            if (metrics is not null)
            {
                metrics.ModelLogLoss.Inc(modelLogLoss);
                metrics.BaselineLogLoss.Inc(baselineLogLoss);
                metrics.ModelBrier.Inc(modelSquared);
                metrics.BaselineBrier.Inc(baselineSquared);
            }

            if (horizonMetrics is not null)
            {
                horizonMetrics.ModelLogLoss.Inc(modelLogLoss);
                horizonMetrics.BaselineLogLoss.Inc(baselineLogLoss);
                horizonMetrics.ModelBrier.Inc(modelSquared);
                horizonMetrics.BaselineBrier.Inc(baselineSquared);
            }
        }
    }

    public PrequentialSummary Summary()
    {
        double n = _scored;
        bool binary = head == HeadKind.Binary;
        return new PrequentialSummary(
            _scored,
            _modelAbs / n,
            Math.Sqrt(_modelSquared / n),
            _baselineAbs / n,
            Math.Sqrt(_baselineSquared / n),
            head == HeadKind.Gaussian ? _covered / n : double.NaN,
            binary ? _modelLogLoss / n : double.NaN,
            binary ? _baselineLogLoss / n : double.NaN,
            binary ? _modelBrier / n : double.NaN,
            binary ? _baselineBrier / n : double.NaN)
        {
            Coverage95 = head == HeadKind.Gaussian ? _covered95 / n : double.NaN,
            ModelPrecision = binary ? Ratio(_modelOutcomes[TruePositive], _modelOutcomes[TruePositive] + _modelOutcomes[FalsePositive]) : double.NaN,
            ModelRecall = binary ? Ratio(_modelOutcomes[TruePositive], _modelOutcomes[TruePositive] + _modelOutcomes[FalseNegative]) : double.NaN,
            BaselinePrecision = binary ? Ratio(_baselineOutcomes[TruePositive], _baselineOutcomes[TruePositive] + _baselineOutcomes[FalsePositive]) : double.NaN,
            BaselineRecall = binary ? Ratio(_baselineOutcomes[TruePositive], _baselineOutcomes[TruePositive] + _baselineOutcomes[FalseNegative]) : double.NaN,
        };
    }

    /// <summary>Indices of the confusion counts, in the order of <see cref="Outcomes"/>.</summary>
    public const int TruePositive = 0, FalsePositive = 1, FalseNegative = 2, TrueNegative = 3;

    /// <summary>Label values of streamrnn_prequential_outcomes_total's outcome label.</summary>
    public static readonly string[] Outcomes = ["true_positive", "false_positive", "false_negative", "true_negative"];

    private static int Outcome(double y, double probability)
    {
        bool actual = y >= 0.5, predicted = probability >= DecisionThreshold;
        return (actual, predicted) switch
        {
            (true, true) => TruePositive,
            (false, true) => FalsePositive,
            (true, false) => FalseNegative,
            _ => TrueNegative,
        };
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? double.NaN : numerator / (double)denominator;

    private static double LogLoss(double y, double probability)
    {
        double p = Math.Clamp(probability, ProbabilityFloor, 1 - ProbabilityFloor);
        return -(y * Math.Log(p) + (1 - y) * Math.Log(1 - p));
    }
}
