using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Configuration;

/// <summary>
/// The settings of a Categorical head and its Category target, checked together: each problem names its setting
/// ("Target:Categories: …"), never a value.
/// </summary>
internal static class CategoricalTargetRules
{
    public static IEnumerable<(string Setting, string Problem)> Check(ModelOptions model, TargetOptions? target,
        IReadOnlyList<FeatureOptions>? features, TrainingOptions? training)
    {
        if (target is null)
        {
            yield break;
        }

        bool categorical = model.Head == HeadKind.Categorical;
        if (categorical != target.IsCategory)
        {
            yield return categorical
                ? ("Target:Transform", "a Categorical head needs Transform = Category (a class label)")
                : ("Target:Transform", "a Category target needs Model:Head = Categorical");
            yield break;
        }

        if (!categorical)
        {
            if (target.Categories is { Count: > 0 } || target.Positive is { Count: > 0 })
            {
                yield return ("Target:Categories", "is only for Transform = Category");
            }

            if (training?.ClassWeights is not null)
            {
                yield return ("Training:ClassWeights", "is only for a Categorical head");
            }

            yield break;
        }

        var categories = target.Categories;
        if (categories is null || categories.Count < 2 || categories.Count > ModelShape.MaxClasses)
        {
            yield return ("Target:Categories", $"a Category target needs 2 to {ModelShape.MaxClasses} categories");
            yield break;
        }

        if (categories.Any(string.IsNullOrEmpty))
        {
            yield return ("Target:Categories", "must not hold an empty category");
        }

        if (categories.Distinct(StringComparer.Ordinal).Count() != categories.Count)
        {
            yield return ("Target:Categories", "must not repeat a category");
        }

        var positive = target.Positive;
        if (positive is null || positive.Count == 0)
        {
            yield return ("Target:Positive", "a Category target needs at least one event category (the alert probability sums them)");
        }
        else if (positive.Any(p => !categories.Contains(p, StringComparer.Ordinal)))
        {
            yield return ("Target:Positive", "every entry must be one of Target:Categories");
        }
        else if (positive.Distinct(StringComparer.Ordinal).Count() == categories.Count)
        {
            yield return ("Target:Positive", "must leave at least one category out (an event that is always true has nothing to predict)");
        }

        if (target.OutValue != 0)
        {
            yield return ("Target:OutValue", "is for Exit and OutWithin, not Category (use Target:Positive)");
        }

        if (features is not null && features.Any(f => string.Equals(f.Field, target.Field, StringComparison.Ordinal)
            && f.Transform is FeatureTransform.OneHot or FeatureTransform.CategoryAge))
        {
            yield return ("Target:Field", "a Category target cannot also be read by a OneHot or CategoryAge feature");
        }

        if (features is not null && features.Any(f => f.Transform == FeatureTransform.CategoryLast && string.Equals(f.By, target.Field, StringComparison.Ordinal)))
        {
            yield return ("Target:Field", "a Category target cannot also be the By field of a CategoryLast feature");
        }

        if (training is null)
        {
            yield break;
        }

        if (ClassWeighting.TryParse(training.PositiveWeight, out double weight) && !double.IsNaN(weight) && weight != 1)
        {
            yield return ("Training:PositiveWeight", "a Categorical head takes auto or 1 (fixed weights per class go in Training:ClassWeights)");
        }

        if (training.ClassWeights is { } weights)
        {
            if (weights.Count != categories.Count)
            {
                yield return ("Training:ClassWeights", "needs one weight per entry of Target:Categories");
            }
            else if (weights.Any(w => !double.IsFinite(w) || w is < 1e-3 or > 1e6))
            {
                yield return ("Training:ClassWeights", "every weight must be a number between 0.001 and 1000000");
            }

            if (double.IsNaN(weight))
            {
                yield return ("Training:ClassWeights", "cannot be combined with PositiveWeight = auto");
            }
        }
    }
}
