using System.Globalization;
using System.Text.Json.Serialization;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Online retraining of one pipeline (section "Training" of a pipeline). Plain settable properties so it binds
/// from configuration; <see cref="Validate"/> names every bad setting with its value.
/// </summary>
/// <remarks>
/// A round starts every <see cref="TrainEveryWindows"/> completed windows or every <see cref="TrainEveryInterval"/>,
/// whichever comes first, once <see cref="WarmupWindows"/> windows have arrived. The newest
/// <see cref="HoldBackWindows"/> windows are kept aside to validate candidates; older ones are trained on in
/// mini-batches of <see cref="BatchWindows"/>. Learning rate after t optimiser steps:
/// Constant: η_t = η;  InverseSqrt: η_t = η / √(1 + t / DecaySteps).
/// </remarks>
public sealed class TrainingOptions
{
    /// <summary>Largest window length accepted (steps of truncated BPTT).</summary>
    public const int MaxWindowSteps = 1024;

    /// <summary>Largest queue capacity accepted; the queue holds pooled windows, so this bounds memory.</summary>
    public const int MaxQueueCapacity = 1 << 20;

    /// <summary>Off by default: a pipeline only predicts until retraining is asked for.</summary>
    public bool Enabled { get; set; }

    /// <summary>k: steps per training window (truncation length of BPTT).</summary>
    public int WindowSteps { get; set; } = 16;

    /// <summary>Windows per mini-batch (one optimiser step each).</summary>
    public int BatchWindows { get; set; } = 32;

    /// <summary>N: a round starts after this many new windows…</summary>
    public int TrainEveryWindows { get; set; } = 256;

    /// <summary>T: …or after this much time, whichever comes first (when at least one new window arrived).</summary>
    public TimeSpan TrainEveryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>No round starts before this many windows have arrived in total.</summary>
    public int WarmupWindows { get; set; } = 256;

    /// <summary>Windows waiting for the trainer; when full the oldest is dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>η, the base learning rate of Adam.</summary>
    public double LearningRate { get; set; } = 1e-3;

    public LearningRateSchedule Schedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Time constant of the InverseSqrt schedule: after DecaySteps steps the rate is η/√2, after 3·DecaySteps η/2.</summary>
    public int DecaySteps { get; set; } = 1000;

    /// <summary>Gradients are scaled down to at most this global L2 norm.</summary>
    public double GradientClipNorm { get; set; } = 1.0;

    /// <summary>Decoupled weight decay (AdamW); 0 = none.</summary>
    public double WeightDecay { get; set; }

    /// <summary>
    /// Binary heads: the loss weight of a positive (target 1) step, a number or <c>auto</c> (the running ratio of
    /// negatives to positives, i.e. balanced log-loss); 1 = unweighted. Categorical heads: <c>auto</c> weighs each class by
    /// the running count of the most frequent class over its own (capped at 1000), i.e. balanced cross-entropy, or 1.
    /// See <see cref="ClassWeighting"/>.
    /// </summary>
    [JsonConverter(typeof(NumberOrStringJsonConverter))]
    public string PositiveWeight { get; set; } = "1";

    /// <summary>
    /// Categorical heads: a fixed loss weight per class, in the order of Target:Categories (null = all 1, or the
    /// automatic weights of <c>PositiveWeight = auto</c>). See <see cref="ClassWeighting"/>.
    /// </summary>
    public List<double>? ClassWeights { get; set; }

    /// <summary>
    /// What decides promotion: <c>Loss</c> (the weighted mean loss on the held-back windows) or, for Binary heads,
    /// <c>AveragePrecision</c> (AP of the held-back readings, the loss breaking ties). See <see cref="BinaryHoldBack"/>.
    /// </summary>
    public PromotionCriterion PromotionCriterion { get; set; } = PromotionCriterion.Loss;

    /// <summary>
    /// Binary heads: copies of the newest windows that held a positive target, kept (beyond the rolling hold-back set)
    /// to validate every candidate on, so the held-back readings contain positives even when they are rare; 0 = none.
    /// </summary>
    public int PositiveReserveWindows { get; set; } = 8;

    /// <summary>
    /// Binary heads: a candidate whose p stays below this on every held-back positive reading (it predicts no
    /// positive) never replaces a champion that reaches it on one (rejection reason "no_positive"); set it to the
    /// alert threshold; 0 = no floor.
    /// </summary>
    public double PositiveFloor { get; set; } = 0.5;

    /// <summary>The newest windows kept aside (rolling) to validate a candidate against the champion.</summary>
    public int HoldBackWindows { get; set; } = 128;

    /// <summary>
    /// Relative slack: a candidate is promoted when its held-back loss ≤ champion loss + tolerance · |champion loss|
    /// (the absolute value keeps the slack a slack for losses that can be negative, such as a Gaussian NLL).
    /// </summary>
    public double PromotionTolerance { get; set; }

    public TrainingMode Mode { get; set; } = TrainingMode.Local;

    /// <summary>Instance id whose versions are adopted in <see cref="TrainingMode.Follow"/> mode.</summary>
    public string? Leader { get; set; }

    /// <summary>
    /// The largest share of one core the trainer thread may use, as a duty cycle: after each mini-batch that took d,
    /// it rests d · (1 − share) / share. Bounds what training can take from inference on a busy machine (thread
    /// priorities are not honoured for .NET threads on Linux). 1 = no rest.
    /// </summary>
    public double MaxCpuShare { get; set; } = 0.2;

    /// <summary>Promoted versions kept in memory for <see cref="ModelRegistry.Restore"/> and on disk by <see cref="ModelStore"/>.</summary>
    public int KeepVersions { get; set; } = 5;

    /// <summary>
    /// Checks every setting; each error reads "&lt;prefix&gt;:&lt;Setting&gt;: &lt;problem&gt; (never the value)",
    /// e.g. "Pipelines:stocks:Training:LearningRate: must be > 0". An empty list means valid.
    /// </summary>
    /// <param name="settingPrefix">Where this section sits in configuration, e.g. "Pipelines:stocks:Training".</param>
    public IReadOnlyList<string> Validate(string settingPrefix = "Training")
    {
        var errors = new List<string>();

        void Error(string setting, object? value, string problem) =>
            errors.Add(SettingProblem.Format($"{settingPrefix}:{setting}", value, problem));

        void Range(string setting, long value, long min, long max)
        {
            if (value < min || value > max)
            {
                Error(setting, value, $"must be between {SettingValue.Show(min)} and {SettingValue.Show(max)}");
            }
        }

        Range(nameof(WindowSteps), WindowSteps, 1, MaxWindowSteps);
        Range(nameof(BatchWindows), BatchWindows, 1, 65_536);
        Range(nameof(QueueCapacity), QueueCapacity, 1, MaxQueueCapacity);
        Range(nameof(TrainEveryWindows), TrainEveryWindows, 1, MaxQueueCapacity);
        Range(nameof(WarmupWindows), WarmupWindows, 0, int.MaxValue);
        Range(nameof(HoldBackWindows), HoldBackWindows, 1, MaxQueueCapacity);
        Range(nameof(DecaySteps), DecaySteps, 1, int.MaxValue);
        Range(nameof(KeepVersions), KeepVersions, 1, 1000);

        if (TrainEveryInterval <= TimeSpan.Zero)
        {
            Error(nameof(TrainEveryInterval), TrainEveryInterval, "must be positive");
        }

        if (!double.IsFinite(LearningRate) || LearningRate <= 0)
        {
            Error(nameof(LearningRate), LearningRate, "must be > 0");
        }

        if (!double.IsFinite(GradientClipNorm) || GradientClipNorm <= 0)
        {
            Error(nameof(GradientClipNorm), GradientClipNorm, "must be > 0");
        }

        if (!double.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            Error(nameof(WeightDecay), WeightDecay, "must be ≥ 0");
        }

        if (!double.IsFinite(PromotionTolerance) || PromotionTolerance < 0)
        {
            Error(nameof(PromotionTolerance), PromotionTolerance, "must be ≥ 0");
        }

        if (!double.IsFinite(MaxCpuShare) || MaxCpuShare <= 0 || MaxCpuShare > 1)
        {
            Error(nameof(MaxCpuShare), MaxCpuShare, "must be > 0 and ≤ 1");
        }

        Range(nameof(PositiveReserveWindows), PositiveReserveWindows, 0, 4096);
        if (!(PositiveFloor >= 0 && PositiveFloor < 1))
        {
            Error(nameof(PositiveFloor), PositiveFloor, "must be a probability in [0, 1) (0 = no floor)");
        }

        if (!Enum.IsDefined(PromotionCriterion))
        {
            Error(nameof(PromotionCriterion), PromotionCriterion, $"must be one of {string.Join(", ", Enum.GetNames<PromotionCriterion>())}");
        }

        if (!ClassWeighting.TryParse(PositiveWeight, out _))
        {
            Error(nameof(PositiveWeight), PositiveWeight, "must be a number between 0.001 and 1000000, or auto");
        }

        if (!Enum.IsDefined(Schedule))
        {
            Error(nameof(Schedule), Schedule, $"must be one of {string.Join(", ", Enum.GetNames<LearningRateSchedule>())}");
        }

        if (!Enum.IsDefined(Mode))
        {
            Error(nameof(Mode), Mode, $"must be one of {string.Join(", ", Enum.GetNames<TrainingMode>())}");
        }
        else if (Mode == TrainingMode.Follow && string.IsNullOrWhiteSpace(Leader))
        {
            Error(nameof(Leader), Leader, "is required when Mode is Follow");
        }

        // Cross-field: a trigger that needs more windows than the queue holds would only ever fire on the timer,
        // after the queue had already dropped what it was waiting for.
        if (TrainEveryWindows > QueueCapacity && QueueCapacity >= 1)
        {
            Error(nameof(TrainEveryWindows), TrainEveryWindows, $"must not exceed QueueCapacity ({SettingValue.Show(QueueCapacity)})");
        }

        return errors;
    }

    /// <summary>Throws <see cref="InvalidPipelineException"/> listing every error of <see cref="Validate"/>.</summary>
    public void EnsureValid(string settingPrefix = "Training")
    {
        var errors = Validate(settingPrefix);
        if (errors.Count > 0)
        {
            throw new InvalidPipelineException(errors);
        }
    }

    /// <summary>The learning rate after <paramref name="step"/> optimiser steps, following <see cref="Schedule"/>.</summary>
    public double LearningRateAt(long step) => Schedule switch
    {
        LearningRateSchedule.InverseSqrt => LearningRate / Math.Sqrt(1.0 + (double)step / DecaySteps),
        _ => LearningRate,
    };
}
