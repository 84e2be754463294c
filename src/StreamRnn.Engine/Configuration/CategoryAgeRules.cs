namespace StreamRnn.Engine.Configuration;

/// <summary>
/// Validation of the settings a CategoryAge or Activity feature adds: its Time field (and Activity's TimeConstant),
/// CategoryLast's By field (<see cref="CategoryLastRules"/>), a numeric feature's Lags,
/// and categories shared with the other
/// category features of the same category field (the decoder resolves a field's category once per record; a
/// CategoryLast feature's category field is its By).
/// </summary>
internal static class CategoryAgeRules
{
    public static void Check(IReadOnlyList<FeatureOptions> features, int index, Action<string, object?, string> error)
    {
        var feature = features[index];
        string at = $"Features:{index}";
        if (feature.Transform == FeatureTransform.CategoryAge)
        {
            if (string.IsNullOrWhiteSpace(feature.Time))
            {
                error($"{at}:Time", feature.Time, "is required when Transform is CategoryAge (a time field in seconds, e.g. time_s)");
            }
            else if (feature.Time == feature.Field)
            {
                error($"{at}:Time", feature.Time, "must differ from Field (the category field)");
            }
        }
        else if (feature.Transform == FeatureTransform.Activity)
        {
            if (string.IsNullOrWhiteSpace(feature.Time))
            {
                error($"{at}:Time", feature.Time, "is required when Transform is Activity (a time field in seconds, e.g. time_s)");
            }
            else if (feature.Time == feature.Field)
            {
                error($"{at}:Time", feature.Time, "must differ from Field");
            }
        }
        else if (!string.IsNullOrEmpty(feature.Time))
        {
            error($"{at}:Time", feature.Time, $"only a CategoryAge or Activity feature has a Time field, this one is {feature.Transform}");
        }

        CategoryLastRules.Check(feature, at, error);
        if (feature.Transform == FeatureTransform.Activity)
        {
            if (feature.TimeConstant is not { } tau || tau <= TimeSpan.Zero || tau > TimeSpan.FromDays(1))
            {
                error($"{at}:TimeConstant", feature.TimeConstant, "is required when Transform is Activity and must be more than 0 and at most one day");
            }
        }
        else if (feature.TimeConstant is not null)
        {
            error($"{at}:TimeConstant", feature.TimeConstant, $"only an Activity feature has a TimeConstant, this one is {feature.Transform}");
        }

        if (feature.Lags is < 0 or > FeatureOptions.MaxLags)
        {
            error($"{at}:Lags", feature.Lags, $"must be in 0..{FeatureOptions.MaxLags}");
        }
        else if (feature.Lags > 0 && feature.HasCategories)
        {
            error($"{at}:Lags", feature.Lags, $"only a numeric feature has Lags, this one is {feature.Transform}");
        }

        if (!feature.HasCategories || feature.Categories is null)
        {
            return;
        }

        for (int j = 0; j < index; j++)
        {
            var other = features[j];
            if (other is { HasCategories: true, Categories: not null }
                && other.CategoryField == feature.CategoryField && !other.Categories.SequenceEqual(feature.Categories, StringComparer.Ordinal))
            {
                error($"{at}:Categories", string.Join(",", feature.Categories),
                    $"must list the same categories in the same order as Features:{j}, which reads the same field");
                return;
            }
        }
    }
}
