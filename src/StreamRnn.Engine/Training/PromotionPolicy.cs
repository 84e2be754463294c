using Prometheus;
using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// The promotion policy: which versions may replace the champion. A candidate is promoted iff its held-back loss is
/// finite and L_candidate ≤ L_champion + tolerance · |L_champion|, with L = Σ loss / Σ weight over the hold-back set;
/// otherwise it is rejected ("non_finite", "worse", "no_validation" when the hold-back windows carry no target,
/// "superseded" when the champion changed meanwhile). Versions received from other instances are adopted (Follow)
/// or kept and averaged with the champion at the start of a round, then validated like any candidate (Merge).
/// </summary>
internal sealed class PromotionPolicy
{
    internal const int NonFinite = 0;
    internal const int Worse = 1;
    internal const int NoValidation = 2;
    internal const int Superseded = 3;

    private readonly TrainingOptions _options;
    private readonly ModelRegistry _registry;
    private readonly ModelMerger _merger;
    private readonly HoldBackSet _holdBack;
    private readonly Lock _receivedGate = new();
    private readonly List<ModelContribution> _received = [];
    private readonly long[] _rejections = new long[4];
    private readonly Counter.Child[]? _rejectionMetrics;
    private long _windowsSinceMerge;

    public PromotionPolicy(string pipeline, TrainingOptions options, ModelRegistry registry, ModelMerger merger, HoldBackSet holdBack,
        StreamRnnMetrics? metrics)
    {
        _options = options;
        _registry = registry;
        _merger = merger;
        _holdBack = holdBack;
        if (metrics is not null)
        {
            _rejectionMetrics = new Counter.Child[OnlineTrainer.RejectionReasons.Length];
            for (int i = 0; i < OnlineTrainer.RejectionReasons.Length; i++)
            {
                _rejectionMetrics[i] = metrics.ModelRejections.WithLabels(pipeline, OnlineTrainer.RejectionReasons[i]);
            }
        }
    }

    /// <summary>Merge mode: versions received from other instances waiting for the next round.</summary>
    public int ReceivedPending
    {
        get
        {
            lock (_receivedGate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>Candidates rejected for the reason at <paramref name="index"/> of <see cref="OnlineTrainer.RejectionReasons"/>.</summary>
    public long Rejections(int index) => Interlocked.Read(ref _rejections[index]);

    /// <summary>A trained candidate was promoted: its windows weigh in the next merge.</summary>
    public void Trained(int windows) => _windowsSinceMerge += windows;

    /// <summary>
    /// A version published by another instance. Follow mode: adopted at once if it is the leader's and newer. Merge
    /// mode: kept (the newest per instance, at most <see cref="OnlineTrainer.MaxReceivedInstances"/> instances) for
    /// the next round. Local mode: ignored. Thread-safe.
    /// </summary>
    public void Receive(ModelContribution contribution)
    {
        switch (_options.Mode)
        {
            case TrainingMode.Follow:
                var champion = _registry.Current;
                var adopted = _merger.Combine(new ModelContribution(_merger.InstanceId, champion, 0), [contribution], _registry.NextVersion);
                if (adopted is not null)
                {
                    _registry.TryPromote(adopted, ModelSource.Followed, champion);
                }

                break;

            case TrainingMode.Merge:
                lock (_receivedGate)
                {
                    // Bounded: only the newest version of each instance is averaged in, so only that one is kept, and
                    // at most MaxReceivedInstances instances (a flood of records cannot grow memory between rounds).
                    int index = _received.FindIndex(c => string.Equals(c.InstanceId, contribution.InstanceId, StringComparison.Ordinal));
                    if (index >= 0)
                    {
                        if (contribution.Weights.Version > _received[index].Weights.Version)
                        {
                            _received[index] = contribution;
                        }
                    }
                    else if (_received.Count < OnlineTrainer.MaxReceivedInstances)
                    {
                        _received.Add(contribution);
                    }
                }

                break;
        }
    }

    /// <summary>Merge mode: averages what was received into a candidate and promotes it if it validates.</summary>
    public ModelWeights MergeReceived(ModelWeights champion, BackpropagationThroughTime bptt)
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

        int verdict = Validate(bptt, merged, champion, out double mergedLoss, out double championLoss);
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
    public int Validate(BackpropagationThroughTime bptt, ModelWeights candidate, ModelWeights champion, out double candidateLoss,
        out double championLoss)
    {
        candidateLoss = HoldBackLoss(bptt, candidate, out double weight);
        championLoss = HoldBackLoss(bptt, champion, out _);
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

    private double HoldBackLoss(BackpropagationThroughTime bptt, ModelWeights weights, out double weightSum)
    {
        double loss = 0;
        weightSum = 0;
        for (int i = 0; i < _holdBack.Count; i++)
        {
            var window = _holdBack[i];
            loss += bptt.Evaluate(weights, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                out double windowWeight);
            weightSum += windowWeight;
        }

        return weightSum > 0 ? loss / weightSum : double.NaN;
    }

    public void CountRejection(int reason)
    {
        Interlocked.Increment(ref _rejections[reason]);
        _rejectionMetrics?[reason].Inc();
    }
}
