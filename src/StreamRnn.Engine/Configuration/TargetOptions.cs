namespace StreamRnn.Engine;

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

    /// <summary>True for the transforms that derive a 0/1 event label from a state field.</summary>
    public bool IsEventLabel => Transform is TargetTransform.Exit or TargetTransform.OutWithin;
}
