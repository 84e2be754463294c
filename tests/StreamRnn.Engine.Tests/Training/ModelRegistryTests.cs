using Prometheus;
using StreamRnn.Core;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class ModelRegistryTests
{
    private static readonly ModelShape Shape = new(CellKind.Gru, 2, 4, 1, HeadKind.Linear);

    private static ModelWeights Weights(int seed, long version) => ModelWeights.Initialize(Shape, seed, version);

    [Fact]
    public void Promotions_swap_the_champion_publish_in_order_and_update_metrics()
    {
        var prometheus = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new StreamRnnMetrics(Prometheus.Metrics.WithCustomRegistry(prometheus)).ForPipeline("p");
        using var registry = new ModelRegistry(Weights(1, 1), keepVersions: 3, metrics);
        var seen = new List<ModelPromotion>();
        using var subscription = registry.Promotions.Subscribe(seen.Add);
        Assert.Equal(1, metrics.ModelVersion.Value);

        var second = Weights(2, registry.NextVersion);
        var promotion = registry.TryPromote(second, ModelSource.Trained, registry.Current, windowsTrained: 64, 0.5, 0.75);

        Assert.NotNull(promotion);
        Assert.Same(second, registry.Current);
        Assert.Equal(new ModelPromotion(second, 1, ModelSource.Trained, 2, 64, 0.5, 0.75), promotion);
        Assert.Equal([promotion], seen);
        Assert.Equal(2, metrics.ModelVersion.Value);
        Assert.Equal(1, metrics.ModelPromotions.Value);
        Assert.Equal([1L, 2L], registry.HistoryVersions());
    }

    [Fact]
    public void A_stale_expectation_changes_nothing()
    {
        using var registry = new ModelRegistry(Weights(1, 1));
        var stale = registry.Current;
        registry.TryPromote(Weights(2, 2), ModelSource.Trained);
        Assert.Null(registry.TryPromote(Weights(3, 3), ModelSource.Trained, expectedCurrent: stale));
        Assert.Equal(2, registry.Current.Version);
        Assert.Equal(2, registry.LatestVersion);
    }

    [Fact]
    public void A_version_not_above_the_latest_is_renumbered_and_keeps_its_origin()
    {
        using var registry = new ModelRegistry(Weights(1, 5));
        var old = Weights(2, 3);
        var promotion = registry.TryPromote(old, ModelSource.Followed)!;
        Assert.Equal(6, promotion.Weights.Version);
        Assert.Equal(3, promotion.OriginVersion);
        Assert.Equal(old.Parameters.ToArray(), promotion.Weights.Parameters.ToArray());
        var jump = registry.TryPromote(Weights(3, 40), ModelSource.Followed)!;
        Assert.Equal(40, jump.Weights.Version);
        Assert.Equal(41, registry.NextVersion);
    }

    [Fact]
    public void Restore_reissues_the_previous_parameters_under_a_new_version_and_walks_back()
    {
        using var registry = new ModelRegistry(Weights(1, 1), keepVersions: 4);
        var v1 = registry.Current;
        var v2 = Weights(2, 2);
        var v3 = Weights(3, 3);
        registry.TryPromote(v2, ModelSource.Trained);
        registry.TryPromote(v3, ModelSource.Trained);
        var seen = new List<ModelPromotion>();
        using var subscription = registry.Promotions.Subscribe(seen.Add);

        var first = registry.Restore()!;
        Assert.Equal(4, first.Weights.Version);
        Assert.Equal(ModelSource.Restored, first.Source);
        Assert.Equal(2, first.OriginVersion);
        Assert.Equal(3, first.PreviousVersion);
        Assert.Equal(v2.Parameters.ToArray(), registry.Current.Parameters.ToArray());
        Assert.Equal([1L, 4L], registry.HistoryVersions());

        var second = registry.Restore()!;
        Assert.Equal(5, second.Weights.Version);
        Assert.Equal(v1.Parameters.ToArray(), registry.Current.Parameters.ToArray());
        Assert.Null(registry.Restore());
        Assert.Equal(5, registry.Current.Version);
        Assert.Equal([first, second], seen);
    }

    [Fact]
    public void History_is_bounded()
    {
        using var registry = new ModelRegistry(Weights(1, 1), keepVersions: 2);
        for (int v = 2; v <= 6; v++)
        {
            registry.TryPromote(Weights(v, v), ModelSource.Trained);
        }

        Assert.Equal([5L, 6L], registry.HistoryVersions());
    }

    [Fact]
    public void A_candidate_of_another_shape_is_refused()
    {
        using var registry = new ModelRegistry(Weights(1, 1));
        var other = ModelWeights.Initialize(Shape with { HiddenSize = 5 }, 1, 2);
        Assert.Throws<ArgumentException>(() => registry.TryPromote(other, ModelSource.Trained));
        Assert.Equal(1, registry.Current.Version);
    }

    [Fact]
    public void Readers_on_other_threads_always_see_a_whole_champion_with_growing_versions()
    {
        using var registry = new ModelRegistry(Weights(1, 1));
        var candidates = Enumerable.Range(2, 200).Select(v => Weights(v, v)).ToArray();
        using var stop = new ManualResetEventSlim();
        long violations = 0;
        var reader = new Thread(() =>
        {
            long last = 0;
            while (!stop.IsSet)
            {
                var current = registry.Current;
                if (current.Version < last || current.Parameters.Length != Shape.ParameterCount)
                {
                    Interlocked.Increment(ref violations);
                }

                last = current.Version;
            }
        });
        reader.Start();
        foreach (var candidate in candidates)
        {
            registry.TryPromote(candidate, ModelSource.Trained);
        }

        stop.Set();
        reader.Join();
        Assert.Equal(0, violations);
        Assert.Equal(201, registry.Current.Version);
    }
}
