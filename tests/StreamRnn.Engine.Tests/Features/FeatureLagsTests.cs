using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A numeric feature's <c>Lags</c>: its inputs are u_t, u_{t−1}, …, u_{t−p} of the same key (0 before the key has
/// them), exact through the runtime's training window, per key, across a changelog restore, and validated.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FeatureLagsTests
{
    private static PipelineDefinition Definition(int lags = 2) => new()
    {
        Name = "lags",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "k" },
        Features =
        [
            new FeatureOptions { Field = "x", Transform = FeatureTransform.Raw, Lags = lags },
            new FeatureOptions { Field = "c", Transform = FeatureTransform.OneHot, Categories = ["a", "b"] },
        ],
        Target = new TargetOptions { Field = "x", Transform = TargetTransform.Difference },
        Model = new ModelOptions { Cell = CellKind.Gru, HiddenSize = 4, Head = HeadKind.Gaussian, Seed = 3 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = 16, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static InputRecord Reading(string key, double x, int offset) => TestPipelines.Record(
        $$"""{"k":"{{key}}","x":{{x}},"c":"a"}""", offset, timestamp: 1_700_000_000_000 + offset);

    [Fact]
    public void Inputs_are_the_feature_and_its_previous_values_of_the_same_key()
    {
        var definition = Definition();
        Assert.Empty(definition.Validate());
        Assert.Equal(3 + 2, definition.InputSize);
        var runtime = TestPipelines.Runtime(definition);
        var records = new List<InputRecord>();
        double[] a = [1, 2, 4, 8, 16];
        for (int i = 0; i < a.Length; i++)
        {
            records.Add(Reading("a", a[i], 2 * i));
            records.Add(Reading("b", -100 - i, 2 * i + 1));
        }

        var sink = new RecordingSink();
        runtime.Process(records.ToArray(), sink);
        Assert.Empty(sink.DeadLetters);
        float[][] inputs = Inputs(runtime, "a", a.Length);
        float[][] expected = [[1, 0, 0], [2, 1, 0], [4, 2, 1], [8, 4, 2], [16, 8, 4]];
        Assert.Equal(expected, inputs.Select(step => step[..3]).ToArray());
        Assert.All(inputs, step => Assert.Equal([1f, 0f], step[3..]));
        Assert.Equal([-101f, -100f, 0f], Inputs(runtime, "b", 2)[1][..3]);
    }

    [Fact]
    public void Lags_survive_a_changelog_restore_exactly()
    {
        InputRecord[] first = [Reading("a", 1, 0), Reading("a", 2, 1), Reading("a", 3, 2)];
        InputRecord[] second = [Reading("a", 5, 3), Reading("a", 7, 4)];
        var uninterrupted = TestPipelines.Runtime(Definition());
        uninterrupted.Process(first, new RecordingSink());
        var expected = new RecordingSink();
        uninterrupted.Process(second, expected);

        var original = TestPipelines.Runtime(Definition());
        original.Process(first, new RecordingSink());
        var changelog = new RecordingSink();
        Assert.Equal(1, original.FlushChangelog(changelog));
        var restored = TestPipelines.Runtime(Definition());
        foreach (var (partition, stateKey, value) in changelog.ChangelogRecords)
        {
            Assert.True(restored.Restore(partition, stateKey, value));
        }

        var actual = new RecordingSink();
        restored.Process(second, actual);
        Assert.Equal(2, expected.Predictions.Count);
        Assert.Equal(expected.Predictions.Select(p => p.Json), actual.Predictions.Select(p => p.Json));
    }

    [Fact]
    public void A_rejected_record_leaves_the_lags_untouched()
    {
        var runtime = TestPipelines.Runtime(Definition());
        var sink = new RecordingSink();
        runtime.Process([Reading("a", 1, 0), TestPipelines.Record("""{"k":"a","x":2,"c":"zzz"}""", 1, timestamp: 1_700_000_000_001),
            Reading("a", 3, 2)], sink);
        Assert.Single(sink.DeadLetters);
        Assert.Equal([[1f, 0f, 0f], [3f, 1f, 0f]], Inputs(runtime, "a", 2).Select(step => step[..3]).ToArray());
    }

    [Fact]
    public void Without_lags_the_layout_is_unchanged()
    {
        Assert.Equal(3, Definition(0).InputSize);
        var plain = new FeatureLayout(Definition(0));
        Assert.Equal(plain.PreviousCount, new FeatureLayout(Definition(2)).PreviousCount - 2);
        Assert.NotEqual(plain.Fingerprint, new FeatureLayout(Definition(1)).Fingerprint);
    }

    [Theory]
    [InlineData(0, -1, "must be in 0..64")]
    [InlineData(0, 65, "must be in 0..64")]
    [InlineData(1, 2, "only a numeric feature has Lags, this one is OneHot")]
    public void Lags_are_validated(int feature, int lags, string problem)
    {
        var definition = Definition();
        definition.Features[feature].Lags = lags;
        string error = Assert.Single(definition.Validate(), e => e.Contains($"Features:{feature}:Lags", StringComparison.Ordinal));
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    private static float[][] Inputs(PipelineRuntime runtime, string key, int steps)
    {
        var entry = runtime.Dump().Single(d => d.Key == key);
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize;
        return Enumerable.Range(0, steps).Select(t => entry.WindowFloats.AsSpan(s + t * n, n).ToArray()).ToArray();
    }
}
