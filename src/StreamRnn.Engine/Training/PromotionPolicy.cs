using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>
/// The promotion policy: a candidate (trained, or in Merge mode the average of received versions) replaces the
/// champion iff its loss is finite and L_candidate ≤ L_champion + tolerance · |L_champion|, L = Σ loss / Σ weight on
/// the hold-back set.
/// </summary>
internal sealed class PromotionPolicy(TrainingOptions options, ModelRegistry registry, ModelMerger merger, HoldBackSet holdBack,
    ReceivedVersions received, CandidateOptimizer optimizer, RejectionCounter rejections)
{
    private const int NonFinite = RejectionCounter.NonFinite;
    private const int Worse = RejectionCounter.Worse;
    private const int NoValidation = RejectionCounter.NoValidation;
    private const int Superseded = RejectionCounter.Superseded;

    private readonly TrainingOptions _options = options;
    private readonly ModelRegistry _registry = registry;
    private readonly ModelMerger _merger = merger;
    private readonly HoldBackSet _holdBack = holdBack;
    private readonly BinaryHoldBack? _binaryHoldBack = holdBack.Binary;
    private readonly ReceivedVersions _receivedVersions = received;
    private long _windowsSinceMerge;

    private BackpropagationThroughTime Bptt => optimizer.Bptt;

    /// <summary>A trained candidate was promoted: its windows weigh in the next merge.</summary>
    public void Trained(int windows) => _windowsSinceMerge += windows;

    /// <summary>Merge mode: averages what was received into a candidate and promotes it if it validates.</summary>
    public ModelWeights MergeReceived(ModelWeights champion)
    {
        if (_options.Mode != TrainingMode.Merge)
        {
            return champion;
        }

        var received = _receivedVersions.TakeAll();
        if (received is null)
        {
            return champion;
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
    public int Validate(ModelWeights candidate, ModelWeights champion, out double candidateLoss, out double championLoss)
    {
        if (_binaryHoldBack is not null)
        {
            // Binary heads: stratified hold-back, the "no positive" floor and the configured criterion.
            return _binaryHoldBack.Judge(Bptt, candidate, champion, _holdBack.Windows,
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
        for (int i = 0; i < _holdBack.Count; i++)
        {
            var window = _holdBack[i];
            loss += Bptt!.Evaluate(weights, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                out double windowWeight);
            weightSum += windowWeight;
        }

        return weightSum > 0 ? loss / weightSum : double.NaN;
    }

    private void CountRejection(int reason) => rejections.Count(reason);
}
