namespace StreamRnn.Engine.Configuration;

/// <summary>The quantity forecast, and how far ahead.</summary>
public sealed class TargetOptions
{
    /// <summary>The top-level JSON field holding the target's value.</summary>
    public string Field { get; set; } = "";

    public TargetTransform Transform { get; set; } = TargetTransform.Raw;

    /// <summary>Steps of the same key ahead that a prediction is for (1 = the key's next record).</summary>
    /// <remarks>
    /// Steps, not seconds: for an Exit or OutWithin label the window is h readings of the key, so a window of W seconds
    /// is h ≈ W × the key's reading rate (the RFID bed-exit trials: about 1.4 readings a second), or set
    /// <see cref="Within"/> = W and keep h as the cap in readings.
    /// </remarks>
    /// <remarks>With <see cref="Horizons"/> set, this reads as the first of them (the horizon every single-horizon part of
    /// the pipeline — the prediction's top-level fields, live baselines, prequential metrics — is about).</remarks>
    public int Horizon
    {
        get => Horizons is { Count: > 0 } horizons ? horizons[0] : _horizon;
        set => _horizon = value;
    }

    private int _horizon = 1;

    /// <summary>
    /// Several horizons at once (e.g. <c>[1, 6, 24]</c>): one head output per horizon (a Gaussian head's mean and spread
    /// each), each forecast the target transform at its horizon (Difference: x[t+h_k] − x[t]). Strictly increasing, each
    /// 1..1000; mutually exclusive with a non-default <see cref="Horizon"/>; Linear or Gaussian heads with a Raw,
    /// Difference or LogReturn target, without the linear path. Null = the single <see cref="Horizon"/>.
    /// </summary>
    public List<int>? Horizons { get; set; }

    /// <summary>The horizons forecast: <see cref="Horizons"/> if set, else the single <see cref="Horizon"/>.</summary>
    public int[] HorizonList() => Horizons is { Count: > 0 } horizons ? [.. horizons] : [_horizon];

    /// <summary>The longest horizon forecast (how long a key remembers its target and its pending forecasts).</summary>
    public int MaxHorizon => Horizons is { Count: > 0 } horizons ? horizons[^1] : _horizon;

    /// <summary>True when <see cref="Horizon"/> was set to something other than 1 (for the mutual exclusion with Horizons).</summary>
    internal bool HorizonSet => _horizon != 1;

    /// <summary>
    /// For the Exit and OutWithin transforms: the field value that means "out" (e.g. 0 for <c>in_bed</c>); every
    /// other value means "in". Compared exactly. Ignored by the other transforms.
    /// </summary>
    public double OutValue { get; set; }

    /// <summary>
    /// For the Exit and OutWithin transforms: W, the anticipation window in event time (e.g. <c>"00:00:08"</c>). With it
    /// the out step must also fall within W of step j: OutWithin y_j = 1 iff out(i) with time_i − time_j ≤ W for some
    /// i in [j, j+h]; Exit y_j = 1 iff in(j) and out(i) with time_i − time_j ≤ W for some i in (j, j+h]. The time is
    /// the step's event time (<see cref="PipelineDefinition.EventTime"/>: the record timestamp or the EventTime:Field),
    /// taken as the key's latest event time so far (a late record applied under LateRecords = Apply counts at that).
    /// <see cref="Horizon"/> h stays the look-ahead cap in readings (the label of j is final at step j + h): choose
    /// h ≥ W × the key's fastest reading rate, or out steps beyond h readings are missed. Null = steps only (as before).
    /// Positive, at most a day; only with Exit or OutWithin.
    /// </summary>
    public TimeSpan? Within { get; set; }

    /// <summary>
    /// For the Category transform (Categorical head): the field's values, in the order of the head's classes (e.g.
    /// <c>["1", "2", "3", "4"]</c>); a record whose value is not one of them is dead-lettered as UnknownCategory.
    /// </summary>
    public List<string>? Categories { get; set; }

    /// <summary>
    /// For the Category transform: the categories that make up the event (e.g. the out-of-bed postures); the
    /// prediction's <c>probability</c> is the sum of their predicted probabilities and a step's event label is 1 when
    /// its class is one of them.
    /// </summary>
    public List<string>? Positive { get; set; }

    /// <summary>True for the Category transform (a Categorical head's class label).</summary>
    public bool IsCategory => Transform == TargetTransform.Category;

    /// <summary>For the Category transform: per category of <see cref="Categories"/>, whether it is one of <see cref="Positive"/>.</summary>
    public bool[] PositiveMask() =>
        [.. (Categories ?? []).Select(c => (Positive ?? []).Contains(c, StringComparer.Ordinal))];

    /// <summary>True for the transforms that derive a 0/1 event label from a state field.</summary>
    public bool IsEventLabel => Transform is TargetTransform.Exit or TargetTransform.OutWithin;
}
