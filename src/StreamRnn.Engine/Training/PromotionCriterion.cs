namespace StreamRnn.Engine.Training;

/// <summary>What decides whether a candidate replaces the champion (see <see cref="TrainingOptions.PromotionCriterion"/>).</summary>
public enum PromotionCriterion
{
    /// <summary>The weighted mean loss on the held-back windows (with PositiveWeight auto: the balanced log-loss).</summary>
    Loss = 0,

    /// <summary>
    /// Binary heads: average precision of the held-back readings (higher wins; within 1e-9 the loss decides); heads
    /// other than Binary, and held-back sets without a positive, fall back to <see cref="Loss"/>.
    /// </summary>
    AveragePrecision = 1,
}
