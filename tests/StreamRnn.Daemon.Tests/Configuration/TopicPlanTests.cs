using StreamRnn.Daemon.Broker;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Admin;

namespace StreamRnn.Daemon.Tests.Configuration;

[Trait("Category", "Unit")]

public sealed class TopicPlanTests
{
    [Fact]
    public void Every_topic_once_sized_by_its_pipelines_input()
    {
        var a = new PipelineDefinition { Name = "a", InputTopic = "in.a", OutputTopic = "out.a", AlertTopic = "alerts" };
        var b = new PipelineDefinition { Name = "b", InputTopic = "in.b", OutputTopic = "out.b", AlertTopic = "alerts" };

        var plan = TopicPlan.For([a, b], p => p.Name == "a" ? 3 : 6);

        Assert.Equal(
            [
                new TopicSpec("in.a", 3), new TopicSpec("out.a", 3), new TopicSpec("alerts", 3), new TopicSpec("streamrnn.dead-letters", 3),
                new TopicSpec("streamrnn.a.changelog", 3, Compacted: true, PartitionCountMustMatch: true), new TopicSpec("streamrnn.a.models", 3, Compacted: true),
                new TopicSpec("in.b", 6), new TopicSpec("out.b", 6),
                new TopicSpec("streamrnn.b.changelog", 6, Compacted: true, PartitionCountMustMatch: true), new TopicSpec("streamrnn.b.models", 6, Compacted: true),
            ],
            plan);
    }
}
