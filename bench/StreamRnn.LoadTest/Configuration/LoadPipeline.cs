using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.LoadTest.Configuration;

/// <summary>The harness's pipeline (loadtest-pipeline.json next to the executable) and runtimes built from it.</summary>
public static class LoadPipeline
{
    public const string FileName = "loadtest-pipeline.json";

    /// <summary>Loads and validates the pipeline, with the cell replaced by <paramref name="cell"/>.</summary>
    public static PipelineDefinition Load(CellKind cell = CellKind.Lstm)
    {
        var definition = PipelineDefinition.Load(Path.Combine(AppContext.BaseDirectory, FileName));
        definition.Model.Cell = cell;
        definition.EnsureValid();
        return definition;
    }

    /// <summary>A runtime with the pipeline's seeded initial weights (version 1), as a fresh daemon starts.</summary>
    public static PipelineRuntime Runtime(PipelineDefinition definition, StreamRnnMetrics? metrics)
    {
        var weights = ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed);
        return new PipelineRuntime(definition, weights, TimeProvider.System, metrics);
    }
}
