using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Version arithmetic never wraps: versions above <see cref="ModelRegistry.MaxVersion"/> are refused, and at the cap
/// a restore or renumbering fails loudly instead of issuing a negative version (the overflow a forged 2^63−1 caused).
/// </summary>
[Trait("Category", "Unit")]
public sealed class ModelRegistryVersionCapTests
{
    private static readonly ModelShape Shape = new(CellKind.Gru, 2, 4, 1, HeadKind.Linear);

    private static ModelWeights Weights(int seed, long version) => ModelWeights.Initialize(Shape, seed, version);

    [Fact]
    public void A_version_above_the_cap_is_refused_and_changes_nothing()
    {
        using var registry = new ModelRegistry(Weights(1, 5));
        var champion = registry.Current;

        Assert.Throws<ArgumentOutOfRangeException>(() => registry.TryPromote(Weights(2, long.MaxValue), ModelSource.Followed));
        Assert.Throws<ArgumentOutOfRangeException>(() => registry.TryPromote(Weights(2, ModelRegistry.MaxVersion + 1), ModelSource.Followed));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelRegistry(Weights(1, long.MaxValue)));

        Assert.Same(champion, registry.Current);
        Assert.Equal(5, registry.LatestVersion);
        Assert.Equal(6, registry.NextVersion);
    }

    [Fact]
    public void At_the_cap_restore_and_renumbering_fail_instead_of_wrapping_and_keep_the_history()
    {
        using var registry = new ModelRegistry(Weights(1, 5), keepVersions: 3);
        var top = registry.TryPromote(Weights(2, ModelRegistry.MaxVersion), ModelSource.Trained);
        Assert.NotNull(top);
        Assert.Equal(ModelRegistry.MaxVersion, registry.Current.Version);
        Assert.Equal(ModelRegistry.MaxVersion, registry.NextVersion); // never past the cap, never negative

        Assert.Throws<InvalidOperationException>(() => registry.Restore());
        Assert.Throws<InvalidOperationException>(() => registry.TryPromote(Weights(3, 7), ModelSource.Trained));

        Assert.Equal([5, ModelRegistry.MaxVersion], registry.HistoryVersions());
        Assert.Same(top.Weights, registry.Current);
    }

    [Fact]
    public void A_stored_version_above_the_cap_is_skipped_at_load_so_a_forged_model_is_not_served_again_after_a_restart()
    {
        string directory = Path.Combine(Path.GetTempPath(), "streamrnn-cap-" + Guid.NewGuid().ToString("N"));
        try
        {
            var store = new ModelStore(directory, "p");
            store.Save(Weights(1, 3));
            store.Save(Weights(2, long.MaxValue));
            var skipped = new List<string>();

            var loaded = store.LoadLatest(Shape, (path, problem) => skipped.Add($"{Path.GetFileName(path)}: {problem.Message}"));

            Assert.NotNull(loaded);
            Assert.Equal(3, loaded.Version);
            Assert.Equal([$"model-{long.MaxValue}.srnn: Version {long.MaxValue} is outside 1..{ModelRegistry.MaxVersion}."], skipped);
            using var registry = new ModelRegistry(loaded);
            Assert.Equal(4, registry.NextVersion);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Below_the_cap_restore_issues_the_next_version()
    {
        using var registry = new ModelRegistry(Weights(1, 5));
        registry.TryPromote(Weights(2, ModelRegistry.MaxVersion - 1), ModelSource.Trained);
        var restored = registry.Restore();
        Assert.NotNull(restored);
        Assert.Equal(ModelRegistry.MaxVersion, restored.Weights.Version);
        Assert.Equal(5, restored.OriginVersion);
    }
}
