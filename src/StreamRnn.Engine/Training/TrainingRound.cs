using System.Diagnostics;
using Prometheus;

namespace StreamRnn.Engine.Training;

/// <summary>
/// One training round: drains the queue through the hold-back set, merges what was received, trains a candidate on
/// the training list and hands it to the promotion policy, undoing the optimiser's moments on a rejection.
/// Runs under the trainer's round lock.
/// </summary>
internal sealed class TrainingRound(TrainingOptions options, ModelRegistry registry, ModelMerger merger, ClassWeighting? classWeighting,
    Gauge.Child? lossMetric, WindowQueue queue, JournalCheckpointer journal, HoldBackSet holdBack, CandidateOptimizer optimizer,
    PromotionPolicy policy, RejectionCounter rejections)
{
    private readonly TrainingOptions _options = options;
    private readonly ModelRegistry _registry = registry;
    private readonly ModelMerger _merger = merger;
    private readonly ClassWeighting? _classWeighting = classWeighting;
    private readonly Gauge.Child? _lossMetric = lossMetric;
    private readonly WindowQueue _queue = queue;
    private readonly JournalCheckpointer _journal = journal;
    private readonly HoldBackSet _holdBack = holdBack;
    private readonly CandidateOptimizer _optimizer = optimizer;
    private readonly PromotionPolicy _policy = policy;
    private readonly RejectionCounter _rejections = rejections;
    private long _windowsTrained;

    public long WindowsTrained => Interlocked.Read(ref _windowsTrained);

    public TrainingRoundResult Run(long round, long started)
    {
        var champion = _registry.Current;
        _holdBack.Drain(_queue, _journal.JournaledThrough, _merger.Trains, _classWeighting);

        if (!_merger.Trains)
        {
            return Finish(round, started, RoundOutcome.Skipped, null, 0, 0, double.NaN, double.NaN, double.NaN);
        }

        // The BPTT workspace exists from the first round of a training instance on: later rounds allocate nothing.
        _ = _optimizer.Bptt;
        champion = _policy.MergeReceived(champion);

        int batch = _options.BatchWindows;
        if (_holdBack.Training.Length < batch)
        {
            return Finish(round, started, RoundOutcome.Skipped, null, 0, 0, double.NaN, double.NaN, double.NaN);
        }

        var pass = _optimizer.Train(champion, _holdBack.Training, batch);
        int trained = pass.Trained;
        int steps = pass.Steps;

        // After a non-finite step the round's remaining windows are spent too: the next round starts from the
        // champion on fresh windows instead of replaying a backlog.
        _holdBack.ReleaseTraining(pass.Finite ? pass.Consumed : _holdBack.Training.Length);
        Interlocked.Add(ref _windowsTrained, trained);
        double trainingLoss = pass.WeightSum > 0 ? pass.LossSum / pass.WeightSum : double.NaN;
        if (double.IsFinite(trainingLoss))
        {
            _lossMetric?.Set(trainingLoss);
        }

        if (!pass.Finite)
        {
            return Reject(round, started, RejectionCounter.NonFinite, trained, steps, trainingLoss, double.NaN, double.NaN);
        }

        if (steps == 0)
        {
            return Finish(round, started, RoundOutcome.Skipped, null, trained, 0, trainingLoss, double.NaN, double.NaN);
        }

        var candidate = _optimizer.Candidate(_registry.NextVersion);
        int verdict = _policy.Validate(candidate, champion, out double candidateLoss, out double championLoss);
        if (verdict >= 0)
        {
            return Reject(round, started, verdict, trained, steps, trainingLoss, candidateLoss, championLoss);
        }

        var promotion = _registry.TryPromote(candidate, ModelSource.Trained, champion, trained, candidateLoss, championLoss);
        if (promotion is null)
        {
            return Reject(round, started, RejectionCounter.Superseded, trained, steps, trainingLoss, candidateLoss, championLoss);
        }

        _optimizer.Follow(promotion.Weights);
        _policy.Trained(trained);
        return Finish(round, started, RoundOutcome.Promoted, null, trained, steps, trainingLoss, candidateLoss, championLoss);
    }

    private TrainingRoundResult Reject(long round, long started, int reason, int trained, int steps,
        double trainingLoss, double candidateLoss, double championLoss)
    {
        _rejections.Count(reason);
        _optimizer.Restore();
        return Finish(round, started, RoundOutcome.Rejected, OnlineTrainer.RejectionReasons[reason], trained, steps, trainingLoss,
            candidateLoss, championLoss);
    }

    private TrainingRoundResult Finish(long round, long started, RoundOutcome outcome, string? reason, int trained,
        int steps, double trainingLoss, double candidateLoss, double championLoss) =>
        new(round, outcome, reason, trained, steps, trainingLoss, candidateLoss, championLoss, _registry.Current.Version,
            Stopwatch.GetElapsedTime(started));
}
