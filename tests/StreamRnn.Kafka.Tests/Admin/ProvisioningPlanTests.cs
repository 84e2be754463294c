using StreamRnn.Kafka.Admin;

namespace StreamRnn.Kafka.Tests.Admin;

[Trait("Category", "Unit")]

public sealed class ProvisioningPlanTests
{
    [Fact]
    public void Create_SortsTopicsIntoMissingExistingAndProblems()
    {
        var specs = new[]
        {
            TopicSpec.Stream("input", 6),
            TopicSpec.Changelog("input-changelog", 6),
            TopicSpec.Changelog("other-changelog", 3),
            TopicSpec.Stream("predictions", 6),
            TopicSpec.Model("models"),
        };
        var existing = new Dictionary<string, int> { ["input"] = 6, ["other-changelog"] = 4, ["predictions"] = 2, ["unrelated"] = 9 };

        var plan = ProvisioningPlan.Create(specs, existing);

        Assert.Equal(["input-changelog", "models"], plan.ToCreate.Select(s => s.Name));
        Assert.Equal([new TopicStatus("input", 6, false), new TopicStatus("predictions", 2, false)], plan.Existing);
        Assert.Equal(["other-changelog"], plan.ProblemTopics);
        Assert.Equal(
            "Topic other-changelog exists with 4 partition(s) but 3 are required (a changelog needs exactly one partition "
            + "per input partition); delete it or recreate it with 3 partition(s).",
            Assert.Single(plan.Problems));
    }

    [Fact]
    public void Create_WithNothingMissingHasNothingToDo()
    {
        var plan = ProvisioningPlan.Create([TopicSpec.Changelog("c", 2)], new Dictionary<string, int> { ["c"] = 2 });

        Assert.Empty(plan.ToCreate);
        Assert.Empty(plan.Problems);
        Assert.Equal([new TopicStatus("c", 2, false)], plan.Existing);
    }

    [Theory]
    [InlineData("", 1, (short)-1)]
    [InlineData("bad name", 1, (short)-1)]
    [InlineData("..", 1, (short)-1)]
    [InlineData("ok", 0, (short)-1)]
    [InlineData("ok", 1, (short)0)]
    [InlineData("ok", 1, (short)-2)]
    public void Create_RejectsInvalidSpecs(string name, int partitions, short replicationFactor)
    {
        var spec = new TopicSpec(name, partitions) { ReplicationFactor = replicationFactor };
        Assert.Throws<ArgumentException>(() => ProvisioningPlan.Create([spec], new Dictionary<string, int>()));
    }

    [Fact]
    public void Create_RejectsATopicListedTwice() =>
        Assert.Throws<ArgumentException>(() => ProvisioningPlan.Create(
            [TopicSpec.Stream("twice", 1), TopicSpec.Changelog("twice", 1)], new Dictionary<string, int>()));

    [Fact]
    public void InOrder_FollowsTheSpecs()
    {
        var specs = new[] { TopicSpec.Stream("b", 1), TopicSpec.Stream("a", 1) };
        var ordered = ProvisioningPlan.InOrder(specs, [new TopicStatus("a", 1, true), new TopicStatus("b", 1, false)]);
        Assert.Equal(["b", "a"], ordered.Select(s => s.Name));
    }
}
