using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Pipelines;

/// <summary>A validated pipeline and where it was defined (a file path, or <c>Pipelines:N</c> in the configuration).</summary>
public sealed record LoadedPipeline(PipelineDefinition Definition, string Source);
