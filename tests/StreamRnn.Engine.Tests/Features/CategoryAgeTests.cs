using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The CategoryAge transform: per category u_c = 1 / (1 + seconds since the key last had category c), 0 before the
/// first; checked exactly through the runtime's training window, per key, with a shared OneHot of the same field.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CategoryAgeTests
{
    private static PipelineDefinition Definition() => new()
    {
        Name = "bed",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features =
        [
            new FeatureOptions { Field = "antenna", Transform = FeatureTransform.OneHot, Categories = ["1", "2", "3"] },
            new FeatureOptions { Field = "antenna", Transform = FeatureTransform.CategoryAge, Categories = ["1", "2", "3"], Time = "t" },
        ],
        Target = new TargetOptions { Field = "in_bed", Transform = TargetTransform.OutWithin, OutValue = 0, Horizon = 1 },
        Model = new ModelOptions { Cell = CellKind.Lstm, HiddenSize = 4, Head = HeadKind.Binary, Seed = 5 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = 16, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    [Fact]
    public void Inputs_are_the_exact_recencies_of_each_category_per_key()
    {
        var definition = Definition();
        Assert.Empty(definition.Validate());
        Assert.Equal(6, definition.InputSize);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        // Key a: antenna 1 at t=0, 2 at t=1, 1 at t=3, 3 at t=7. Key b interleaved must not disturb a.
        (string Key, string Antenna, double T)[] readings =
            [("a", "1", 0), ("b", "2", 100), ("a", "2", 1), ("a", "1", 3), ("b", "2", 101), ("a", "3", 7)];
        var records = readings.Select((r, i) => TestPipelines.Record(
            $$"""{"trial":"{{r.Key}}","antenna":"{{r.Antenna}}","t":{{r.T}},"in_bed":1}""", i, timestamp: 1_700_000_000_000 + i)).ToArray();
        runtime.Process(records, sink);
        Assert.Empty(sink.DeadLetters);

        float[][] expectedA =
        [
            [1, 0, 0, 1, 0, 0],
            [0, 1, 0, 1f / 2, 1, 0],
            [1, 0, 0, 1, 1f / 3, 0],
            [0, 0, 1, 1f / 5, 1f / 7, 1],
        ];
        Assert.Equal(expectedA, Inputs(runtime, "a", 4));
        float[][] expectedB = [[0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 1, 0]];
        Assert.Equal(expectedB, Inputs(runtime, "b", 2));
    }

    [Fact]
    public void A_record_without_its_time_field_is_dead_lettered_and_leaves_the_key_untouched()
    {
        var runtime = TestPipelines.Runtime(Definition());
        var sink = new RecordingSink();
        runtime.Process([TestPipelines.Record("""{"trial":"a","antenna":"1","in_bed":1}""", 0, timestamp: 1_700_000_000_000)], sink);
        Assert.Single(sink.DeadLetters);
        Assert.Empty(sink.Predictions);
    }

    [Fact]
    public void Encode_reads_zero_before_a_category_is_seen_and_never_negative_ages()
    {
        double[] last = [double.NaN, double.NaN];
        float[] input = new float[2];
        Assert.True(CategoryAge.Encode(10, 1, last, input));
        Assert.Equal([0f, 1f], input);
        Assert.True(CategoryAge.Encode(9, 0, last, input)); // time going back: age 0, not > 1
        Assert.Equal([1f, 1f], input);
        Assert.False(CategoryAge.Encode(double.NaN, 0, last, input));
    }

    [Theory]
    [InlineData(FeatureTransform.CategoryAge, "", "Features:1:Time", "is required when Transform is CategoryAge")]
    [InlineData(FeatureTransform.CategoryAge, "antenna", "Features:1:Time", "must differ from Field")]
    [InlineData(FeatureTransform.OneHot, "t", "Features:1:Time", "only a CategoryAge or Activity feature has a Time field")]
    public void Time_is_validated(FeatureTransform transform, string time, string setting, string problem)
    {
        var definition = Definition();
        definition.Features[1].Transform = transform;
        definition.Features[1].Time = time;
        string error = Assert.Single(definition.Validate(), e => e.Contains(setting, StringComparison.Ordinal));
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_of_one_field_must_list_the_same_categories()
    {
        var definition = Definition();
        definition.Features[1].Categories = ["1", "3", "2"];
        string error = Assert.Single(definition.Validate());
        Assert.Contains("Features:1:Categories", error, StringComparison.Ordinal);
        Assert.Contains("must list the same categories in the same order as Features:0", error, StringComparison.Ordinal);
    }

    private static float[][] Inputs(PipelineRuntime runtime, string key, int steps)
    {
        var entry = runtime.Dump().Single(d => d.Key == key);
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize;
        return Enumerable.Range(0, steps).Select(t => entry.WindowFloats.AsSpan(s + t * n, n).ToArray()).ToArray();
    }
}
