using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>Training:PositiveWeight — fixed and automatic (balanced) weighting of a Binary head's positive steps.</summary>
[Trait("Category", "Unit")]
public sealed class ClassWeightingTests
{
    private static TrainingWindow Window(float[] targets, float[] weights)
    {
        var window = new TrainingWindowPool(2, 1, targets.Length, 4).Rent();
        targets.CopyTo(window.Targets);
        weights.CopyTo(window.TargetWeights);
        return window;
    }

    [Fact]
    public void A_fixed_weight_multiplies_exactly_the_resolved_positive_steps()
    {
        var weighting = ClassWeighting.Create(new TrainingOptions { PositiveWeight = "4" }, HeadKind.Binary)!;
        var window = Window([1, 0, 1, 1], [1, 1, 0, 1]);
        weighting.Apply(window);
        Assert.Equal([4f, 1f, 0f, 4f], window.TargetWeights.ToArray());
    }

    [Fact]
    public void Auto_is_the_running_ratio_of_negatives_to_positives_so_the_classes_weigh_the_same()
    {
        var weighting = ClassWeighting.Create(new TrainingOptions { PositiveWeight = "auto" }, HeadKind.Binary)!;
        var none = Window([0, 0, 0, 0], [1, 1, 1, 1]);
        weighting.Apply(none);
        Assert.Equal(1, weighting.PositiveWeight); // no positive seen yet
        var first = Window([1, 0, 0, 0], [1, 1, 1, 1]);
        weighting.Apply(first);
        Assert.Equal(7, weighting.PositiveWeight); // 7 negatives, 1 positive
        Assert.Equal([7f, 1f, 1f, 1f], first.TargetWeights.ToArray());
        float positive = 0, negative = 0;
        for (int t = 0; t < 4; t++)
        {
            (first.Targets[t] == 1 ? ref positive : ref negative) += first.TargetWeights[t];
        }

        Assert.Equal(7f, positive);
        var second = Window([1, 1, 0, 0], [1, 1, 1, 0]);
        weighting.Apply(second);
        Assert.Equal(8.0 / 3, weighting.PositiveWeight, 12);
    }

    [Theory]
    [InlineData("1", HeadKind.Binary)]
    [InlineData("auto", HeadKind.Gaussian)]
    public void No_weighting_when_unweighted_or_not_binary(string weight, HeadKind head) =>
        Assert.Null(ClassWeighting.Create(new TrainingOptions { PositiveWeight = weight }, head));

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("often")]
    [InlineData("NaN")]
    public void Bad_values_are_named_without_echoing_them(string weight)
    {
        string error = Assert.Single(new TrainingOptions { PositiveWeight = weight }.Validate());
        Assert.Contains("Training:PositiveWeight", error, StringComparison.Ordinal);
        Assert.Contains("must be a number between 0.001 and 1000000, or auto", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5", "5")]
    [InlineData("\"auto\"", "auto")]
    [InlineData("2.5", "2.5")]
    public void The_pipeline_file_takes_a_number_or_a_string(string json, string expected)
    {
        var definition = PipelineDefinition.Parse(System.Text.Encoding.UTF8.GetBytes(
            $$$"""{"Name":"p","InputTopic":"i","OutputTopic":"o","Features":[{"Field":"x"}],"Target":{"Field":"y"},"Training":{"Enabled":true,"PositiveWeight":{{{json}}}}}"""));
        Assert.Equal(expected, definition.Training!.PositiveWeight);
    }
}
