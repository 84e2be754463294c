using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]

public sealed class ModelStoreTests : IDisposable
{
    private static readonly ModelShape Shape = new(CellKind.Lstm, 3, 8, 2, HeadKind.Gaussian);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "streamrnn-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void A_saved_version_loads_back_bit_for_bit_under_the_pipeline_folder()
    {
        var store = new ModelStore(_root, "stocks");
        var weights = ModelWeights.Initialize(Shape, seed: 11, version: 42);
        store.Save(weights);

        Assert.True(File.Exists(Path.Combine(_root, "stocks", "model-42.srnn")));
        var loaded = store.LoadLatest(Shape)!;
        Assert.Equal(42, loaded.Version);
        Assert.Equal(Shape, loaded.Shape);
        Assert.Equal(weights.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void Nothing_stored_loads_as_null()
    {
        Assert.Null(new ModelStore(_root, "empty").LoadLatest());
    }

    [Fact]
    public void Only_the_newest_versions_are_kept()
    {
        var store = new ModelStore(_root, "p", keepVersions: 3);
        foreach (long version in new long[] { 1, 2, 10, 3, 11 })
        {
            store.Save(ModelWeights.Initialize(Shape, (int)version, version));
        }

        Assert.Equal([3L, 10L, 11L], store.Versions());
        Assert.Equal(11, store.LoadLatest()!.Version);
    }

    [Fact]
    public void A_corrupt_latest_file_is_skipped_with_its_reason_and_the_next_older_loads()
    {
        var store = new ModelStore(_root, "p");
        var good = ModelWeights.Initialize(Shape, 1, 1);
        store.Save(good);
        store.Save(ModelWeights.Initialize(Shape, 2, 2));
        store.Save(ModelWeights.Initialize(Shape, 3, 3));

        // Version 3: one flipped bit in the parameters (checksum). Version 2: cut in half.
        string three = store.PathOf(3);
        byte[] bytes = File.ReadAllBytes(three);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(three, bytes);
        string two = store.PathOf(2);
        File.WriteAllBytes(two, File.ReadAllBytes(two)[..(bytes.Length / 2)]);

        var skipped = new List<string>();
        var loaded = store.LoadLatest(Shape, (path, exception) =>
        {
            Assert.IsType<ModelFormatException>(exception);
            Assert.False(string.IsNullOrWhiteSpace(exception.Message));
            skipped.Add(Path.GetFileName(path));
        });

        Assert.Equal(["model-3.srnn", "model-2.srnn"], skipped);
        Assert.NotNull(loaded);
        Assert.Equal(1, loaded.Version);
        Assert.Equal(good.Parameters.ToArray(), loaded.Parameters.ToArray());
    }

    [Fact]
    public void A_file_of_another_shape_is_skipped()
    {
        var store = new ModelStore(_root, "p");
        store.Save(ModelWeights.Initialize(Shape, 1, 1));
        store.Save(ModelWeights.Initialize(Shape with { HiddenSize = 4 }, 1, 2));
        var skipped = new List<string>();
        var loaded = store.LoadLatest(Shape, (path, _) => skipped.Add(Path.GetFileName(path)));
        Assert.Equal(1, loaded!.Version);
        Assert.Equal(["model-2.srnn"], skipped);
    }

    [Fact]
    public void Writes_are_atomic_a_crash_leftover_is_ignored_and_cleaned_and_a_rewrite_replaces_whole()
    {
        var store = new ModelStore(_root, "p");
        var first = ModelWeights.Initialize(Shape, 1, 5);
        store.Save(first);

        // A save interrupted before its rename leaves only a temporary file, with a partial payload.
        string leftover = store.PathOf(6) + ".0123456789abcdef0123456789abcdef.tmp";
        File.WriteAllBytes(leftover, [0x53, 0x52]);
        Assert.Equal([5L], store.Versions());
        Assert.Equal(5, store.LoadLatest()!.Version);
        Assert.False(File.Exists(leftover));

        // Re-saving a version replaces the file as a whole, and no temporary file stays behind.
        var replacement = ModelWeights.Initialize(Shape, 2, 5);
        store.Save(replacement);
        Assert.Equal(replacement.Parameters.ToArray(), store.LoadLatest()!.Parameters.ToArray());
        Assert.Equal(["model-5.srnn"], Directory.GetFiles(store.Directory).Select(Path.GetFileName));
    }

    [Fact]
    public void Promotions_are_persisted_as_they_happen()
    {
        var store = new ModelStore(_root, "p", keepVersions: 2);
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1, 1));
        using (store.PersistPromotions(registry))
        {
            registry.TryPromote(ModelWeights.Initialize(Shape, 2, 2), ModelSource.Trained);
            registry.TryPromote(ModelWeights.Initialize(Shape, 3, 3), ModelSource.Trained);
            registry.Restore();
        }

        registry.TryPromote(ModelWeights.Initialize(Shape, 5, 5), ModelSource.Trained);

        Assert.Equal([3L, 4L], store.Versions());
        var restored = store.LoadLatest(Shape)!;
        Assert.Equal(4, restored.Version);
        Assert.Equal(ModelWeights.Initialize(Shape, 2, 2).Parameters.ToArray(), restored.Parameters.ToArray());
    }

    [Fact]
    public void A_pipeline_name_that_escapes_the_state_directory_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new ModelStore(_root, ".."));
        Assert.Throws<ArgumentException>(() => new ModelStore(_root, "a/b"));
    }
}
