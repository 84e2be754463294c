namespace StreamRnn.Engine.Configuration;

/// <summary>One input field and its transform.</summary>
public sealed class FeatureOptions
{
    /// <summary>The top-level JSON field (a number, a numeric string, or for OneHot and CategoryAge a string).</summary>
    public string Field { get; set; } = "";

    public FeatureTransform Transform { get; set; } = FeatureTransform.Raw;

    /// <summary>
    /// The second field of a LogRatio feature, read from the same record: u = z(ln(Field / Over)), e.g. Field
    /// <c>high</c> Over <c>low</c> for a bar's range. Empty for every other transform.
    /// </summary>
    public string Over { get; set; } = "";

    /// <summary>
    /// The time field (seconds) of a CategoryAge or Activity feature, read from the same record, e.g. <c>time_s</c>.
    /// Empty for every other transform.
    /// </summary>
    public string Time { get; set; } = "";

    /// <summary>τ of an Activity feature (how fast its accumulated change decays, in event time); null for the others.</summary>
    public TimeSpan? TimeConstant { get; set; }

    /// <summary>The categories of a OneHot or CategoryAge feature, in input order.</summary>
    public List<string> Categories { get; set; } = [];

    /// <summary>Network inputs this feature occupies.</summary>
    public int Width => Transform is FeatureTransform.OneHot or FeatureTransform.CategoryAge ? Categories.Count : 1;
}
