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
    /// is h ≈ W × the key's reading rate (the RFID bed-exit trials: about 1.4 readings a second).
    /// </remarks>
    public int Horizon { get; set; } = 1;

    /// <summary>
    /// For the Exit and OutWithin transforms: the field value that means "out" (e.g. 0 for <c>in_bed</c>); every
    /// other value means "in". Compared exactly. Ignored by the other transforms.
    /// </summary>
    public double OutValue { get; set; }

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
