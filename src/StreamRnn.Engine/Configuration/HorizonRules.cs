using StreamRnn.Core;

namespace StreamRnn.Engine.Configuration;

/// <summary>
/// The settings of a multi-horizon target (Target:Horizons), checked together: each problem names its setting, never a value.
/// </summary>
internal static class HorizonRules
{
    public const int MaxHorizon = 1000;

    public static IEnumerable<(string Setting, string Problem)> Check(PipelineDefinition definition)
    {
        var target = definition.Target;
        if (target?.Horizons is not { } horizons)
        {
            yield break;
        }

        if (horizons.Count is < 1 or > ModelShape.MaxHorizons)
        {
            yield return ("Target:Horizons", $"must list 1 to {ModelShape.MaxHorizons} horizons");
            yield break;
        }

        for (int i = 0; i < horizons.Count; i++)
        {
            if (horizons[i] is < 1 or > MaxHorizon)
            {
                yield return ("Target:Horizons", $"each horizon must be between 1 and {MaxHorizon} steps");
                yield break;
            }

            if (i > 0 && horizons[i] <= horizons[i - 1])
            {
                yield return ("Target:Horizons", "must be strictly increasing");
                yield break;
            }
        }

        if (target.HorizonSet)
        {
            yield return ("Target:Horizon", "set Target:Horizon or Target:Horizons, not both");
        }

        if (target.Transform is not (TargetTransform.Raw or TargetTransform.Difference or TargetTransform.LogReturn))
        {
            yield return ("Target:Horizons", "needs a Raw, Difference or LogReturn target");
        }

        if (definition.Model is { } model && model.Head is not (HeadKind.Linear or HeadKind.Gaussian))
        {
            yield return ("Target:Horizons", "needs Model:Head = Linear or Gaussian");
        }

        if (definition.Linear is { Enabled: true })
        {
            yield return ("Linear:Enabled", "the linear path forecasts one horizon: turn it off with Target:Horizons");
        }
    }
}
