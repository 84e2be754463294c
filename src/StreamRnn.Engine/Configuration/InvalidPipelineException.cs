namespace StreamRnn.Engine.Configuration;

/// <summary>A pipeline definition with one or more invalid settings; each error names the setting and its value.</summary>
public sealed class InvalidPipelineException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
