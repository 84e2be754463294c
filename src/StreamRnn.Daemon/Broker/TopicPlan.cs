using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Admin;

namespace StreamRnn.Daemon.Broker;

/// <summary>
/// Every topic the configured pipelines read or write, each once, sized from its pipeline's input topic.
/// </summary>
/// <remarks>
/// Changelog topics must have exactly the input's partition count (a key's state goes to the changelog partition
/// of the same number as its input partition, so restoring a partition reads exactly one changelog partition; an
/// existing changelog with another count stops start-up). Model topics are compacted and get the same count, as do
/// output, alert and dead-letter topics, for simplicity; for those an existing topic of another size is accepted.
/// A topic shared by several pipelines (the dead-letter topic by default) appears once, sized by the first.
/// </remarks>
internal static class TopicPlan
{
    public static IReadOnlyList<TopicSpec> For(IEnumerable<PipelineDefinition> pipelines, Func<PipelineDefinition, int> inputPartitions)
    {
        var topics = new List<TopicSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pipeline in pipelines)
        {
            int partitions = inputPartitions(pipeline);
            Add(TopicSpec.Stream(pipeline.InputTopic, partitions));
            Add(TopicSpec.Stream(pipeline.OutputTopic, partitions));
            if (!string.IsNullOrEmpty(pipeline.AlertTopic))
            {
                Add(TopicSpec.Stream(pipeline.AlertTopic, partitions));
            }

            Add(TopicSpec.Stream(pipeline.DeadLetterTopic, partitions));
            Add(TopicSpec.Changelog(pipeline.ChangelogTopic, partitions));
            Add(new TopicSpec(pipeline.ModelTopic, partitions, Compacted: true));
        }

        return topics;

        void Add(TopicSpec spec)
        {
            if (seen.Add(spec.Name))
            {
                topics.Add(spec);
            }
        }
    }
}
