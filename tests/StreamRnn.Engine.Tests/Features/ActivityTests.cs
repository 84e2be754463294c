using StreamRnn.Core;
using StreamRnn.Core.Numerics;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The Activity transform: u = ln(1 + a_t), a_t = a_{t−1}·exp(−Δt / τ) + |x_t − x_{t−1}|, 0 on a key's first record;
/// checked exactly through the runtime's training window, per key, through a state snapshot and restore, and its
/// settings' validation.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ActivityTests
{
    private static PipelineDefinition Definition() => new()
    {
        Name = "bed",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features =
        [
            new FeatureOptions { Field = "acc", Transform = FeatureTransform.Raw },
            new FeatureOptions { Field = "acc", Transform = FeatureTransform.Activity, Time = "t", TimeConstant = TimeSpan.FromSeconds(2) },
        ],
        Target = new TargetOptions { Field = "in_bed", Transform = TargetTransform.OutWithin, OutValue = 0, Horizon = 1 },
        Model = new ModelOptions { Cell = CellKind.Lstm, HiddenSize = 4, Head = HeadKind.Binary, Seed = 5 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = 16, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static InputRecord Reading(string key, double acc, double t, int offset) => TestPipelines.Record(
        $$"""{"trial":"{{key}}","acc":{{acc}},"t":{{t}},"in_bed":1}""", offset, timestamp: 1_700_000_000_000 + offset);

    // Key a: acc 1 at t=0, 1.5 at t=1, 1.5 at t=3, 0.5 at t=3 (same time: no decay), then 0.5 at t=2 (time going back: no decay).
    private static readonly (double Acc, double T)[] A = [(1, 0), (1.5, 1), (1.5, 3), (0.5, 3), (0.5, 2)];

    private static float[] ExpectedA()
    {
        double a1 = 0.5, a2 = a1 * PortableMath.Exp(-2 / 2.0), a3 = a2 + 1, a4 = a3;
        return [0f, (float)PortableMath.Log(1 + a1), (float)PortableMath.Log(1 + a2), (float)PortableMath.Log(1 + a3),
            (float)PortableMath.Log(1 + a4)];
    }

    [Fact]
    public void Inputs_are_the_exact_decayed_change_per_key()
    {
        var definition = Definition();
        Assert.Empty(definition.Validate());
        Assert.Equal(2, definition.InputSize);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        // Key b interleaved (a large change) must not disturb a.
        var records = new List<InputRecord>();
        for (int i = 0; i < A.Length; i++)
        {
            records.Add(Reading("a", A[i].Acc, A[i].T, 2 * i));
            records.Add(Reading("b", 10 * i, 100 + i, 2 * i + 1));
        }

        runtime.Process(records.ToArray(), sink);
        Assert.Empty(sink.DeadLetters);
        Assert.Equal(ExpectedA(), Inputs(runtime, "a", A.Length).Select(step => step[1]).ToArray());
        Assert.Equal(A.Select(r => (float)r.Acc).ToArray(), Inputs(runtime, "a", A.Length).Select(step => step[0]).ToArray());
        float b1 = (float)PortableMath.Log(11);
        Assert.Equal([0f, b1], Inputs(runtime, "b", 2).Select(step => step[1]).ToArray());
    }

    [Fact]
    public void The_accumulated_change_survives_a_changelog_restore_exactly()
    {
        InputRecord[] first = [Reading("a", A[0].Acc, A[0].T, 0), Reading("a", A[1].Acc, A[1].T, 1)];
        InputRecord[] second = [Reading("a", A[2].Acc, A[2].T, 2), Reading("a", A[3].Acc, A[3].T, 3)];
        var uninterrupted = TestPipelines.Runtime(Definition());
        var expected = new RecordingSink();
        uninterrupted.Process(first, new RecordingSink());
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
        var fresh = new RecordingSink();
        TestPipelines.Runtime(Definition()).Process(second, fresh);

        Assert.Equal(2, expected.Predictions.Count);
        Assert.Equal(expected.Predictions.Select(p => p.Json), actual.Predictions.Select(p => p.Json));
        Assert.NotEqual(expected.Predictions[^1].Json, fresh.Predictions[^1].Json);
    }

    [Fact]
    public void Encode_starts_at_zero_and_refuses_non_finite_values_leaving_the_memory_untouched()
    {
        double[] memory = [double.NaN, double.NaN, double.NaN];
        Assert.True(Activity.Encode(2, 10, 1, memory, out double u));
        Assert.Equal(0, u);
        Assert.False(Activity.Encode(3, double.NaN, 1, memory, out _));
        Assert.False(Activity.Encode(double.PositiveInfinity, 11, 1, memory, out _));
        Assert.Equal([2, 10, 0], memory);
        Assert.True(Activity.Encode(5, 11, 1, memory, out u));
        Assert.Equal(PortableMath.Log(4), u);
    }

    [Fact]
    public void A_record_without_its_time_field_is_dead_lettered()
    {
        var runtime = TestPipelines.Runtime(Definition());
        var sink = new RecordingSink();
        runtime.Process([TestPipelines.Record("""{"trial":"a","acc":1,"in_bed":1}""", 0, timestamp: 1_700_000_000_000)], sink);
        Assert.Single(sink.DeadLetters);
        Assert.Empty(sink.Predictions);
    }

    [Theory]
    [InlineData("", 2.0, "Features:1:Time", "is required when Transform is Activity")]
    [InlineData("acc", 2.0, "Features:1:Time", "must differ from Field")]
    [InlineData("t", 0.0, "Features:1:TimeConstant", "is required when Transform is Activity and must be more than 0")]
    [InlineData("t", -1.0, "Features:1:TimeConstant", "is required when Transform is Activity and must be more than 0")]
    [InlineData("t", null, "Features:1:TimeConstant", "is required when Transform is Activity")]
    public void Time_and_time_constant_are_validated(string time, double? seconds, string setting, string problem)
    {
        var definition = Definition();
        definition.Features[1].Time = time;
        definition.Features[1].TimeConstant = seconds is { } s ? TimeSpan.FromSeconds(s) : null;
        string error = Assert.Single(definition.Validate(), e => e.Contains(setting, StringComparison.Ordinal));
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_constant_on_another_transform_is_refused()
    {
        var definition = Definition();
        definition.Features[0].TimeConstant = TimeSpan.FromSeconds(2);
        string error = Assert.Single(definition.Validate());
        Assert.Contains("Features:0:TimeConstant", error, StringComparison.Ordinal);
        Assert.Contains("only an Activity feature has a TimeConstant", error, StringComparison.Ordinal);
    }

    private static float[][] Inputs(PipelineRuntime runtime, string key, int steps)
    {
        var entry = runtime.Dump().Single(d => d.Key == key);
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize;
        return Enumerable.Range(0, steps).Select(t => entry.WindowFloats.AsSpan(s + t * n, n).ToArray()).ToArray();
    }
}
