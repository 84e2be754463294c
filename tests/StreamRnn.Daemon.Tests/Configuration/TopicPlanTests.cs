using StreamRnn.Daemon.Broker;
using StreamRnn.Engine;

namespace StreamRnn.Daemon.Tests.Configuration;

public sealed class TopicPlanTests
{
    [Fact]
    public void Every_topic_once_with_the_embedded_partition_count()
    {
        var a = new PipelineDefinition { Name = "a", InputTopic = "in.a", OutputTopic = "out.a", AlertTopic = "alerts" };
        var b = new PipelineDefinition { Name = "b", InputTopic = "in.b", OutputTopic = "out.b", AlertTopic = "alerts" };

        var plan = TopicPlan.For([a, b], 3);

        Assert.Equal(
            [
                ("in.a", 3), ("out.a", 3), ("alerts", 3), ("streamrnn.dead-letters", 3), ("streamrnn.a.changelog", 3), ("streamrnn.a.models", 3),
                ("in.b", 3), ("out.b", 3), ("streamrnn.b.changelog", 3), ("streamrnn.b.models", 3),
            ],
            plan);
    }
}
