using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class ModelMergerTests
{
    private static readonly ModelShape Shape = new(CellKind.Rnn, 1, 2, 1, HeadKind.Linear);

    private static ModelWeights Constant(float value, long version) =>
        ModelWeights.FromParameters(Shape, Enumerable.Repeat(value, Shape.ParameterCount).ToArray(), version);

    [Fact]
    public void Average_is_weighted_by_windows_trained_as_computed_by_hand()
    {
        // (1·0.5 + 3·1.0) / 4 = 0.875 exactly, for every parameter.
        var merged = ModelMerger.Average([new("a", Constant(0.5f, 1), 1), new("b", Constant(1f, 7), 3)], version: 9);
        Assert.Equal(9, merged.Version);
        Assert.All(merged.Parameters.ToArray(), p => Assert.Equal(0.875f, p));
    }

    [Fact]
    public void Average_of_seeded_weights_matches_a_double_precision_hand_computation()
    {
        var a = ModelWeights.Initialize(Shape, 1);
        var b = ModelWeights.Initialize(Shape, 2);
        var c = ModelWeights.Initialize(Shape, 3);
        var merged = ModelMerger.Average([new("a", a, 100), new("b", b, 250), new("c", c, 50)], 4);
        for (int p = 0; p < Shape.ParameterCount; p++)
        {
            double expected = (100.0 * a.Parameters[p] + 250.0 * b.Parameters[p] + 50.0 * c.Parameters[p]) / 400.0;
            Assert.Equal((float)expected, merged.Parameters[p]);
        }
    }

    [Fact]
    public void With_no_windows_anywhere_the_plain_mean_is_used()
    {
        var merged = ModelMerger.Average([new("a", Constant(1f, 1), 0), new("b", Constant(2f, 1), 0)], 2);
        Assert.All(merged.Parameters.ToArray(), p => Assert.Equal(1.5f, p));
    }

    [Fact]
    public void Average_refuses_mixed_shapes_and_negative_counts()
    {
        var other = ModelWeights.Initialize(Shape with { HiddenSize = 3 }, 1);
        Assert.Throws<ArgumentException>(() => ModelMerger.Average([new("a", Constant(1f, 1), 1), new("b", other, 1)], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelMerger.Average([new("a", Constant(1f, 1), -1)], 2));
        Assert.Throws<ArgumentException>(() => ModelMerger.Average([], 2));
    }

    [Fact]
    public void Merge_uses_the_newest_version_per_other_instance_and_ignores_own_echoes()
    {
        var merger = new ModelMerger(TrainingMode.Merge, "a");
        var local = new ModelContribution("a", Constant(0f, 5), 2);
        var merged = merger.Combine(local,
        [
            new("b", Constant(100f, 3), 2),
            new("b", Constant(4f, 4), 2),         // newer version of b replaces the one above
            new("a", Constant(1000f, 6), 50),     // our own version, echoed back by the topic
            new("c", ModelWeights.Initialize(Shape with { HiddenSize = 3 }, 1, 9), 10), // another shape: ignored
        ], version: 7)!;

        Assert.Equal(7, merged.Version);
        Assert.All(merged.Parameters.ToArray(), p => Assert.Equal(2f, p)); // (2·0 + 2·4) / 4
        Assert.Null(merger.Combine(local, [new("a", Constant(3f, 8), 1)], 9));
    }

    [Fact]
    public void Merge_names_what_it_averaged_and_a_promotion_carries_it()
    {
        var merger = new ModelMerger(TrainingMode.Merge, "a");
        var local = new ModelContribution("a", Constant(0f, 5), 2);
        var merged = merger.Combine(local,
        [
            new("b", Constant(100f, 3), 2),
            new("b", Constant(4f, 4), 6),
            new("c", Constant(8f, 11), 0), // no windows: ignored, and not named
        ], version: 7, out var used)!;
        Assert.Equal(["a:5:2", "b:4:6"], used.Select(u => u.ToString()));
        Assert.Equal(3f, merged.Parameters[0]); // (2·0 + 6·4) / 8

        using var registry = new ModelRegistry(Constant(0f, 5));
        var promotion = registry.TryPromote(merged, ModelSource.Merged, mergedFrom: used)!;
        Assert.Equal(used, promotion.MergedFrom);
        Assert.Empty(registry.TryPromote(Constant(1f, 8), ModelSource.Trained)!.MergedFrom);

        Assert.Null(merger.Combine(local, [new("a", Constant(3f, 8), 1)], 9, out var none));
        Assert.Empty(none);
    }

    [Fact]
    public void Merge_ignores_versions_without_windows_so_a_merge_of_another_instance_neither_hides_its_training_nor_mints_a_copy()
    {
        var merger = new ModelMerger(TrainingMode.Merge, "a");
        var local = new ModelContribution("a", Constant(0f, 5), 3);

        // b trained (version 3, 1 window), then merged (version 4, 0 windows since): version 3 is the one averaged in.
        var merged = merger.Combine(local, [new("b", Constant(4f, 3), 1), new("b", Constant(100f, 4), 0)], version: 6)!;
        Assert.All(merged.Parameters.ToArray(), p => Assert.Equal(1f, p)); // (3·0 + 1·4) / 4

        // Only b's merge arrived: weight 0, nothing to average in, the champion stays as it is.
        Assert.Null(merger.Combine(local, [new("b", Constant(100f, 4), 0)], 6));
    }

    [Fact]
    public void Follow_adopts_only_the_leaders_newest_version()
    {
        var merger = new ModelMerger(TrainingMode.Follow, "b", leader: "a");
        Assert.False(merger.Trains);
        var local = new ModelContribution("b", Constant(0f, 5), 0);
        var leaderOld = Constant(1f, 4);
        var leaderNew = Constant(2f, 8);
        var stranger = Constant(3f, 20);

        Assert.Null(merger.Combine(local, [new("c", stranger, 100)], 9));
        Assert.Null(merger.Combine(local, [new("a", leaderOld, 10)], 9));
        Assert.Same(leaderNew, merger.Combine(local, [new("a", leaderOld, 1), new("c", stranger, 1), new("a", leaderNew, 1)], 9));
    }

    [Fact]
    public void The_leader_and_local_mode_keep_their_own_weights()
    {
        var leader = new ModelMerger(TrainingMode.Follow, "a", leader: "a");
        Assert.True(leader.Trains);
        var local = new ModelContribution("a", Constant(0f, 1), 1);
        Assert.Null(leader.Combine(local, [new("a", Constant(1f, 2), 1)], 3));
        var alone = new ModelMerger(TrainingMode.Local, "a");
        Assert.Null(alone.Combine(local, [new("b", Constant(1f, 2), 1)], 3));
    }
}
