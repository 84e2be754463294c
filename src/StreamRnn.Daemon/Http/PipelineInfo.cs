namespace StreamRnn.Daemon.Http;

/// <summary>One pipeline in <c>/info</c>: its topics and where it was defined.</summary>
internal sealed record PipelineInfo(
    string Name,
    string Source,
    string InputTopic,
    string OutputTopic,
    string? AlertTopic,
    string DeadLetterTopic,
    string ChangelogTopic,
    string ModelTopic);
