namespace StreamRnn.Engine;

/// <summary>The quantity forecast, and how far ahead.</summary>
public sealed class TargetOptions
{
    /// <summary>The top-level JSON field holding the target's value.</summary>
    public string Field { get; set; } = "";

    public TargetTransform Transform { get; set; } = TargetTransform.Raw;

    /// <summary>Steps of the same key ahead that a prediction is for (1 = the key's next record).</summary>
    public int Horizon { get; set; } = 1;
}
