namespace StreamRnn.Engine.Configuration;

/// <summary>
/// Validation of a CategoryLast feature's By field: required there, different from Field, refused on every other
/// transform. (Its Categories, shared with the other category features of the same field, and its refusal of Lags are
/// checked with those of OneHot and CategoryAge.)
/// </summary>
internal static class CategoryLastRules
{
    public static void Check(FeatureOptions feature, string at, Action<string, object?, string> error)
    {
        if (feature.Transform == FeatureTransform.CategoryLast)
        {
            if (string.IsNullOrWhiteSpace(feature.By))
            {
                error($"{at}:By", feature.By, "is required when Transform is CategoryLast (the category field, e.g. antenna_id)");
            }
            else if (feature.By == feature.Field)
            {
                error($"{at}:By", feature.By, "must differ from Field (Field is the numeric value kept per category of By)");
            }
        }
        else if (!string.IsNullOrEmpty(feature.By))
        {
            error($"{at}:By", feature.By, $"only a CategoryLast feature has a By field, this one is {feature.Transform}");
        }
    }
}
