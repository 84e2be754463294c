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

    /// <summary>
    /// The category field of a CategoryLast feature, read from the same record, e.g. <c>antenna_id</c> (its Categories
    /// are this field's). Empty for every other transform.
    /// </summary>
    public string By { get; set; } = "";

    /// <summary>τ of an Activity feature (how fast its accumulated change decays, in event time); null for the others.</summary>
    public TimeSpan? TimeConstant { get; set; }

    /// <summary>The categories of a OneHot or CategoryAge feature (of a CategoryLast feature: of its By field), in input order.</summary>
    public List<string> Categories { get; set; } = [];

    /// <summary>
    /// Most lags a numeric feature may carry (<see cref="Lags"/>).
    /// </summary>
    public const int MaxLags = 64;

    /// <summary>
    /// Lags p of a numeric feature (0 to <see cref="MaxLags"/>, default 0): the feature then occupies 1 + p inputs,
    /// its value at this record and at the key's previous p records, u_t, u_{t−1}, …, u_{t−p} (0 before the key has
    /// them), so a linear path on the inputs (Model:Highway) is an AR(p) on that field. Not for OneHot, CategoryAge or CategoryLast.
    /// </summary>
    public int Lags { get; set; }

    /// <summary>Network inputs this feature occupies.</summary>
    public int Width => HasCategories ? Categories.Count : 1 + Math.Clamp(Lags, 0, MaxLags);

    /// <summary>True for the transforms with one input per category: OneHot, CategoryAge, CategoryLast.</summary>
    internal bool HasCategories => Transform is FeatureTransform.OneHot or FeatureTransform.CategoryAge or FeatureTransform.CategoryLast;

    /// <summary>The field whose value is one of <see cref="Categories"/>: By for CategoryLast, Field for OneHot and CategoryAge.</summary>
    internal string CategoryField => Transform == FeatureTransform.CategoryLast ? By : Field;
}
