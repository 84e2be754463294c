using StreamRnn.Core;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Validation of a Binary head's candidates that a "never" model cannot win: the held-back set is stratified to
/// contain positives, a candidate that predicts no positive is refused, and the criterion may be average precision.
/// </summary>
/// <remarks>
/// <para><b>Stratified hold-back.</b> The readings judged are those of the rolling hold-back set (the newest windows,
/// not yet trained on) plus a reserve of copies of the newest <see cref="TrainingOptions.PositiveReserveWindows"/>
/// windows that held a positive target (y ≥ 0.5, weight &gt; 0), taken as they leave the hold-back set for training.
/// Reserve windows were trained on (by the champion's lineage, before this candidate), so they test "still fires on
/// the positives it has seen" rather than generalisation; the rolling set keeps testing the latter. The reserve is
/// trainer memory only: it is not journaled, starts empty after a restart and is cleared when a round fails.</para>
/// <para><b>Floor.</b> With <see cref="TrainingOptions.PositiveFloor"/> θ &gt; 0: when the judged readings hold a
/// positive and the candidate's p = σ(z) &lt; θ on every one of them, the candidate is rejected ("no_positive"),
/// whatever its loss.</para>
/// <para><b>Criterion.</b> Loss: L = Σ loss / Σ weight over the judged windows, promoted iff L_cand ≤ L_champ +
/// tolerance · |L_champ|. AveragePrecision: AP = (1 / P) Σ_groups g⁺ · TP / k over the readings sorted by p
/// descending, tied scores forming one group (TP, k counted through the end of the group); promoted iff AP_cand ≥
/// AP_champ · (1 − tolerance), with the loss rule deciding when the two APs are within 1e-9 or no positive is held.
/// </para>
/// <para>Allocation-free after construction (the sort is in place); used by the trainer thread only.</para>
/// </remarks>
internal sealed class BinaryHoldBack
{
    /// <summary>Verdicts, with the indices of <see cref="OnlineTrainer.RejectionReasons"/>; -1 = promote.</summary>
    public const int Promote = -1, NonFinite = 0, Worse = 1, NoValidation = 2, NoPositive = 4;

    private const double ApTie = 1e-9;

    private readonly TrainingWindow[] _reserve;
    private readonly float[] _keys;
    private readonly float[] _labels;
    private readonly PromotionCriterion _criterion;
    private readonly double _floor;
    private readonly double _tolerance;
    private int _reserveCount;
    private int _reserveNext;

    public BinaryHoldBack(TrainingOptions options, ModelShape shape)
    {
        _criterion = options.PromotionCriterion;
        _floor = options.PositiveFloor;
        _tolerance = options.PromotionTolerance;
        _reserve = new TrainingWindow[options.PositiveReserveWindows];
        for (int i = 0; i < _reserve.Length; i++)
        {
            _reserve[i] = new TrainingWindow(null, shape.StateSize, shape.InputSize, options.WindowSteps);
        }

        int readings = (options.HoldBackWindows + options.PositiveReserveWindows) * options.WindowSteps;
        _keys = new float[readings];
        _labels = new float[readings];
    }

    /// <summary>Null unless the head is Binary.</summary>
    public static BinaryHoldBack? Create(TrainingOptions options, ModelShape shape) =>
        shape.Head == HeadKind.Binary ? new BinaryHoldBack(options, shape) : null;

    /// <summary>Reserve windows held now.</summary>
    public int ReserveCount => _reserveCount;

    /// <summary>Copies <paramref name="window"/> into the reserve (replacing the oldest copy) if it holds a positive target.</summary>
    public void Keep(TrainingWindow window)
    {
        if (_reserve.Length == 0 || !HasPositive(window))
        {
            return;
        }

        var copy = _reserve[_reserveNext];
        window.StartState.CopyTo(copy.StartState);
        window.Inputs.CopyTo(copy.Inputs);
        window.Targets.CopyTo(copy.Targets);
        window.TargetWeights.CopyTo(copy.TargetWeights);
        _reserveNext = (_reserveNext + 1) % _reserve.Length;
        _reserveCount = Math.Min(_reserveCount + 1, _reserve.Length);
    }

    /// <summary>Forgets the reserve (after a failed round, whose cause may sit in a window).</summary>
    public void Clear()
    {
        _reserveCount = 0;
        _reserveNext = 0;
    }

    /// <summary>The verdict on <paramref name="candidate"/> against <paramref name="champion"/> on the hold-back windows and the reserve.</summary>
    public int Judge(BackpropagationThroughTime bptt, ModelWeights candidate, ModelWeights champion,
        ReadOnlySpan<TrainingWindow> holdBack, out double candidateLoss, out double championLoss)
    {
        candidateLoss = Score(bptt, candidate, holdBack, out double weight, out double candidateAp, out int positives, out bool fires);
        championLoss = Score(bptt, champion, holdBack, out _, out double championAp, out _, out bool championFires);
        if (weight <= 0)
        {
            return NoValidation;
        }

        if (!double.IsFinite(candidateLoss))
        {
            return NonFinite;
        }

        if (positives > 0 && _floor > 0 && !fires && championFires)
        {
            return NoPositive;
        }

        bool byLoss = !double.IsFinite(championLoss) || candidateLoss <= championLoss + _tolerance * Math.Abs(championLoss);
        if (_criterion != PromotionCriterion.AveragePrecision || positives == 0 || Math.Abs(candidateAp - championAp) <= ApTie)
        {
            return byLoss ? Promote : Worse;
        }

        return candidateAp >= championAp * (1 - _tolerance) ? Promote : Worse;
    }

    /// <summary>
    /// Mean loss of <paramref name="weights"/> over the judged windows, with their AP, the number of positive readings
    /// and whether p ≥ the floor on at least one of them.
    /// </summary>
    internal double Score(BackpropagationThroughTime bptt, ModelWeights weights, ReadOnlySpan<TrainingWindow> holdBack,
        out double weightSum, out double averagePrecision, out int positives, out bool fires)
    {
        double loss = 0;
        weightSum = 0;
        positives = 0;
        fires = false;
        int n = 0;
        for (int i = 0; i < holdBack.Length + _reserveCount; i++)
        {
            var window = i < holdBack.Length ? holdBack[i] : _reserve[i - holdBack.Length];
            loss += bptt.Evaluate(weights, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                out double windowWeight);
            weightSum += windowWeight;
            var targets = window.Targets;
            var targetWeights = window.TargetWeights;
            for (int t = 0; t < targets.Length; t++)
            {
                if (targetWeights[t] <= 0)
                {
                    continue;
                }

                double p = HeadOutput.Probability(bptt.LastOutput(t));
                bool positive = targets[t] >= 0.5f;
                if (positive)
                {
                    positives++;
                    fires |= p >= _floor;
                }

                _keys[n] = (float)-p; // ascending sort of −p = descending p
                _labels[n] = positive ? 1 : 0;
                n++;
            }
        }

        averagePrecision = AveragePrecision(_keys.AsSpan(0, n), _labels.AsSpan(0, n));
        return weightSum > 0 ? loss / weightSum : double.NaN;
    }

    /// <summary>AP of scores given as <paramref name="negatedScores"/> (sorted in place with their labels); NaN without a positive.</summary>
    internal static double AveragePrecision(Span<float> negatedScores, Span<float> labels)
    {
        negatedScores.Sort(labels);
        double total = 0, truePositives = 0, sum = 0;
        foreach (float label in labels)
        {
            total += label;
        }

        if (total <= 0)
        {
            return double.NaN;
        }

        int i = 0;
        while (i < negatedScores.Length)
        {
            int end = i;
            double groupPositives = 0;
            while (end < negatedScores.Length && negatedScores[end] == negatedScores[i])
            {
                groupPositives += labels[end];
                end++;
            }

            truePositives += groupPositives;
            sum += groupPositives * truePositives / end;
            i = end;
        }

        return sum / total;
    }

    private static bool HasPositive(TrainingWindow window)
    {
        var targets = window.Targets;
        var weights = window.TargetWeights;
        for (int t = 0; t < targets.Length; t++)
        {
            if (weights[t] > 0 && targets[t] >= 0.5f)
            {
                return true;
            }
        }

        return false;
    }
}
