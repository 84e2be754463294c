using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// Scores each prediction when its target arrives (h steps of the key later) against the naive baseline made at
/// the same time, into running sums and the prequential Prometheus counters.
/// </summary>
/// <remarks>
/// Regression: abs = |y − ŷ|, squared = (y − ŷ)²; Gaussian coverage counts |y − μ| ≤ z₀.₉·σ with
/// z₀.₉ = 1.2815515655446004 (the central 80% interval). Binary: p clipped to [1e−7, 1 − 1e−7],
/// logloss = −(y·ln p + (1 − y)·ln(1 − p)), brier = (p − y)², and abs/squared of p − y as well.
/// </remarks>
internal sealed class PrequentialScorer(HeadKind head, PipelineMetrics? metrics)
{
    private const double Z90 = 1.2815515655446004;
    private const double ProbabilityFloor = 1e-7;

    private long _scored;
    private long _covered;
    private double _modelAbs, _modelSquared, _baselineAbs, _baselineSquared;
    private double _modelLogLoss, _baselineLogLoss, _modelBrier, _baselineBrier;

    public void Score(double y, double modelMean, double modelSpread, double baseline)
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

        if (head == HeadKind.Gaussian && modelAbs <= Z90 * modelSpread)
        {
            _covered++;
        }

        if (head == HeadKind.Binary)
        {
            double modelLogLoss = LogLoss(y, modelMean), baselineLogLoss = LogLoss(y, baseline);
            _modelLogLoss += modelLogLoss;
            _baselineLogLoss += baselineLogLoss;
            _modelBrier += modelSquared;
            _baselineBrier += baselineSquared;
            if (metrics is not null)
            {
                metrics.ModelLogLoss.Inc(modelLogLoss);
                metrics.BaselineLogLoss.Inc(baselineLogLoss);
                metrics.ModelBrier.Inc(modelSquared);
                metrics.BaselineBrier.Inc(baselineSquared);
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
            binary ? _baselineBrier / n : double.NaN);
    }

    private static double LogLoss(double y, double probability)
    {
        double p = Math.Clamp(probability, ProbabilityFloor, 1 - ProbabilityFloor);
        return -(y * Math.Log(p) + (1 - y) * Math.Log(1 - p));
    }
}
