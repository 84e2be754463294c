using System.Diagnostics;
using StreamRnn.Core;

namespace StreamRnn.Engine;

// Candidate validation and the promotion policy: merge received contributions, score on the hold-back set, accept or reject.
public sealed partial class OnlineTrainer
{
    /// <summary>Merge mode: averages what was received into a candidate and promotes it if it validates.</summary>
    private ModelWeights MergeReceived(ModelWeights champion)
    {
        if (_options.Mode != TrainingMode.Merge)
        {
            return champion;
        }

        ModelContribution[] received;
        lock (_receivedGate)
        {
            if (_received.Count == 0)
            {
                return champion;
            }

            received = [.. _received];
            _received.Clear();
        }

        var local = new ModelContribution(_merger.InstanceId, champion, _windowsSinceMerge);
        var merged = _merger.Combine(local, received, _registry.NextVersion, out var mergedFrom);
        if (merged is null)
        {
            return champion;
        }

        int verdict = Validate(merged, champion, out double mergedLoss, out double championLoss);
        if (verdict >= 0)
        {
            CountRejection(verdict);
            return champion;
        }

        var promotion = _registry.TryPromote(merged, ModelSource.Merged, champion, 0, mergedLoss, championLoss, mergedFrom);
        if (promotion is null)
        {
            CountRejection(Superseded);
            return _registry.Current;
        }

        _windowsSinceMerge = 0;
        return promotion.Weights;
    }

    /// <summary>-1 if <paramref name="candidate"/> may replace <paramref name="champion"/>, else the rejection reason's index.</summary>
    private int Validate(ModelWeights candidate, ModelWeights champion, out double candidateLoss, out double championLoss)
    {
        if (_binaryHoldBack is not null)
        {
            // Binary heads: stratified hold-back, the "no positive" floor and the configured criterion.
            return _binaryHoldBack.Judge(_bptt!, candidate, champion, _holdBack.AsSpan(0, _holdBackCount),
                out candidateLoss, out championLoss);
        }

        candidateLoss = HoldBackLoss(candidate, out double weight);
        championLoss = HoldBackLoss(champion, out _);
        if (weight <= 0)
        {
            return NoValidation;
        }

        if (!double.IsFinite(candidateLoss))
        {
            return NonFinite;
        }

        bool better = !double.IsFinite(championLoss)
            || candidateLoss <= championLoss + _options.PromotionTolerance * Math.Abs(championLoss);
        return better ? -1 : Worse;
    }

    private double HoldBackLoss(ModelWeights weights, out double weightSum)
    {
        double loss = 0;
        weightSum = 0;
        for (int i = 0; i < _holdBackCount; i++)
        {
            var window = _holdBack[(_holdBackStart + i) % _holdBack.Length];
            loss += _bptt!.Evaluate(weights, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                out double windowWeight);
            weightSum += windowWeight;
        }

        return weightSum > 0 ? loss / weightSum : double.NaN;
    }

    private TrainingRoundResult Reject(long round, long started, int reason, int trained, int steps,
        double trainingLoss, double candidateLoss, double championLoss)
    {
        CountRejection(reason);
        _adam?.Restore(_savedAdamSteps, _savedFirstMoment, _savedSecondMoment);
        return Finish(round, started, RoundOutcome.Rejected, RejectionReasons[reason], trained, steps, trainingLoss,
            candidateLoss, championLoss);
    }

    private void CountRejection(int reason)
    {
        Interlocked.Increment(ref _rejections[reason]);
        _rejectionMetrics?[reason].Inc();
    }

    private TrainingRoundResult Finish(long round, long started, RoundOutcome outcome, string? reason, int trained,
        int steps, double trainingLoss, double candidateLoss, double championLoss) =>
        new(round, outcome, reason, trained, steps, trainingLoss, candidateLoss, championLoss, _registry.Current.Version,
            Stopwatch.GetElapsedTime(started));
}
