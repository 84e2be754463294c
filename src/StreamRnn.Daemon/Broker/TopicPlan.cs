using StreamRnn.Engine;

namespace StreamRnn.Daemon.Broker;

/// <summary>
/// Every topic the configured pipelines read or write, each once, with its partition count.
/// </summary>
/// <remarks>
/// Changelog and model topics get the input's partition count: a key's state goes to the changelog partition of
/// the same number as its input partition, so restoring a partition reads exactly one changelog partition.
/// Output, alert and dead-letter topics get the same count only for simplicity. A topic shared by several
/// pipelines (the dead-letter topic by default) appears once.
/// </remarks>
internal static class TopicPlan
{
    public static IReadOnlyList<(string Topic, int Partitions)> For(IEnumerable<PipelineDefinition> pipelines, int partitions)
    {
        var topics = new List<(string, int)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pipeline in pipelines)
        {
            foreach (var topic in new[]
                     {
                         pipeline.InputTopic, pipeline.OutputTopic, pipeline.AlertTopic, pipeline.DeadLetterTopic,
                         pipeline.ChangelogTopic, pipeline.ModelTopic,
                     })
            {
                if (!string.IsNullOrEmpty(topic) && seen.Add(topic))
                {
                    topics.Add((topic, partitions));
                }
            }
        }

        return topics;
    }
}
