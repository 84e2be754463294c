using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Configuration;

/// <summary>The top-level <c>Pipelines</c> list and <c>PipelineFiles</c> pattern: where pipeline definitions come from.</summary>
public sealed class PipelineSourceOptions : ISettingsSection
{
    public const string DefaultPipelineFiles = "config/pipelines/*.json";

    /// <summary>Pipelines written inline in the configuration.</summary>
    public List<PipelineDefinition> Pipelines { get; set; } = [];

    /// <summary>
    /// Glob patterns (relative to the content root, separated by ';') of JSON files, one pipeline each.
    /// Empty = no files.
    /// </summary>
    public string PipelineFiles { get; set; } = DefaultPipelineFiles;

    string ISettingsSection.SectionPath => "";
}
