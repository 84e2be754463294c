using StreamRnn.Core;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Engine.Forecasting;

/// <summary>Builds a pipeline's <see cref="LinearCombiner"/> and the starting state every new key copies.</summary>
internal static class LinearPath
{
    /// <summary>The combiner for <paramref name="definition"/>, or null when its Linear path is off.</summary>
    public static LinearCombiner? Create(PipelineDefinition definition, out double[]? template)
    {
        template = null;
        if (definition.Linear is not { Enabled: true } options || definition.Model.Head.IsClassifier())
        {
            return null;
        }

        var combiner = new LinearCombiner(options, definition.Target.Horizon, definition.Target.Transform == TargetTransform.Raw);
        template = new double[combiner.StateLength];
        combiner.Reset(template);
        return combiner;
    }
}
