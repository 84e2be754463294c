using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The CategoryLast transform: per category c of By, u_c = z(the last Field value of a record whose By was c), z the
/// feature's running statistics of Field (as a ZScore feature keeps them), 0 before c was seen; checked exactly through
/// the runtime's training window, per key, through a changelog restore, its validation, dead letters and allocations.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CategoryLastTests
{
    private static PipelineDefinition Definition() => new()
    {
        Name = "bed",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features =
        [
            new FeatureOptions { Field = "rssi", Transform = FeatureTransform.ZScore },
            new FeatureOptions { Field = "antenna", Transform = FeatureTransform.OneHot, Categories = ["1", "2", "3"] },
            new FeatureOptions { Field = "rssi", Transform = FeatureTransform.CategoryLast, By = "antenna", Categories = ["1", "2", "3"] },
        ],
        Target = new TargetOptions { Field = "in_bed", Transform = TargetTransform.OutWithin, OutValue = 0, Horizon = 1 },
        Model = new ModelOptions { Cell = CellKind.Lstm, HiddenSize = 4, Head = HeadKind.Binary, Seed = 5 },
        Normalization = new NormalizationOptions { HalfLife = 0 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = 16, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static InputRecord Reading(string key, string antenna, double rssi, int offset) => TestPipelines.Record(
        $$"""{"trial":"{{key}}","antenna":"{{antenna}}","rssi":{{rssi}},"in_bed":1}""", offset, timestamp: 1_700_000_000_000 + offset);

    // Key a: antenna 1 reads -60, 2 reads -50, 1 reads -70, 3 reads -55, 2 reads -65.
    private static readonly (string Antenna, double Rssi)[] A = [("1", -60), ("2", -50), ("1", -70), ("3", -55), ("2", -65)];

    /// <summary>
    /// The expected CategoryLast inputs after each of <paramref name="readings"/>, computed independently: the population
    /// mean and standard deviation of every value so far (two passes; HalfLife 0 is plain Welford), 0 for an unseen antenna.
    /// </summary>
    private static double[][] Expected((string Antenna, double Rssi)[] readings)
    {
        double[][] rows = new double[readings.Length][];
        double?[] last = new double?[3];
        for (int t = 0; t < readings.Length; t++)
        {
            double[] values = readings[..(t + 1)].Select(r => r.Rssi).ToArray();
            double mean = values.Average();
            double sd = Math.Max(Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length), 1e-6);
            last[int.Parse(readings[t].Antenna) - 1] = readings[t].Rssi;
            rows[t] = last.Select(v => v is { } x ? Math.Clamp((x - mean) / sd, -10, 10) : 0).ToArray();
        }

        return rows;
    }

    [Fact]
    public void Inputs_are_the_standardised_last_value_of_each_category_per_key()
    {
        var definition = Definition();
        Assert.Empty(definition.Validate());
        Assert.Equal(7, definition.InputSize);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        // Key b interleaved (other values, only antenna 3) must not disturb a.
        (string Antenna, double Rssi)[] b = [("3", -40), ("3", -45)];
        var records = new List<InputRecord>();
        for (int i = 0; i < A.Length; i++)
        {
            records.Add(Reading("a", A[i].Antenna, A[i].Rssi, records.Count));
            if (i < b.Length)
            {
                records.Add(Reading("b", b[i].Antenna, b[i].Rssi, records.Count));
            }
        }

        runtime.Process(records.ToArray(), sink);
        Assert.Empty(sink.DeadLetters);
        AssertInputs(Expected(A), Inputs(runtime, "a", A.Length));
        AssertInputs(Expected(b), Inputs(runtime, "b", b.Length));

        // Exact by hand where the arithmetic is: a first reading (σ floored, z = 0), b's second (−45 around μ −42.5, σ 2.5),
        // a's second (antenna 1 at −60 and 2 at −50 around μ −55, σ 5; antenna 3 not seen by a until its 4th reading).
        Assert.Equal([0f, 0f, 0f], Inputs(runtime, "a", 1)[0][4..]);
        Assert.Equal([0f, 0f, 0f], Inputs(runtime, "b", 1)[0][4..]);
        Assert.Equal([0f, 0f, -1f], Inputs(runtime, "b", 2)[1][4..]);
        Assert.Equal([-1f, 1f, 0f], Inputs(runtime, "a", 2)[1][4..]);

        // The record's own category reads exactly what a ZScore of the field reads (the same running statistics).
        foreach (var (step, t) in Inputs(runtime, "a", A.Length).Select((s, t) => (s, t)))
        {
            Assert.Equal(step[0], step[4 + int.Parse(A[t].Antenna) - 1]);
        }
    }

    [Fact]
    public void The_last_values_survive_a_changelog_restore_exactly()
    {
        var records = A.Select((r, i) => Reading("a", r.Antenna, r.Rssi, i)).ToArray();
        var uninterrupted = TestPipelines.Runtime(Definition());
        uninterrupted.Process(records, new RecordingSink());

        var original = TestPipelines.Runtime(Definition());
        original.Process(records[..3], new RecordingSink());
        var changelog = new RecordingSink();
        Assert.Equal(1, original.FlushChangelog(changelog));
        var restored = TestPipelines.Runtime(Definition());
        foreach (var (partition, stateKey, value) in changelog.ChangelogRecords)
        {
            Assert.True(restored.Restore(partition, stateKey, value));
        }

        restored.Process(records[3..], new RecordingSink());
        var fresh = TestPipelines.Runtime(Definition());
        fresh.Process(records[3..], new RecordingSink());

        Assert.Equal(Inputs(uninterrupted, "a", A.Length), Inputs(restored, "a", A.Length));
        StateAssert.BitIdentical(uninterrupted, restored);
        AssertInputs(Expected(A)[3..], Inputs(restored, "a", A.Length)[3..]);
        Assert.NotEqual(Inputs(uninterrupted, "a", A.Length)[3], Inputs(fresh, "a", 1)[0]);
    }

    public static TheoryData<string, DeadLetterReason, string> BadRecords() => new()
    {
        { """{"trial":"a","antenna":"9","rssi":-60,"in_bed":1}""", DeadLetterReason.UnknownCategory, "is not one of the configured categories" },
        { """{"trial":"a","rssi":-60,"in_bed":1}""", DeadLetterReason.MissingField, "field 'antenna' is missing" },
        { """{"trial":"a","antenna":"1","rssi":"NaN","in_bed":1}""", DeadLetterReason.NonFiniteValue, "field 'rssi': value is not finite" },
        { """{"trial":"a","antenna":"1","rssi":1e200,"in_bed":1}""", DeadLetterReason.NonFiniteValue, "would overflow the key's running CategoryLast statistics; they are unchanged" },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public void A_bad_record_is_dead_lettered_and_leaves_the_key_untouched(string json, DeadLetterReason reason, string detail)
    {
        var definition = Definition();
        definition.Features.RemoveAt(0); // no ZScore: the CategoryLast feature is the only one reading rssi's statistics
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process([Reading("a", "1", -60, 0), TestPipelines.Record(json, 1, timestamp: 1_700_000_000_001),
            Reading("a", "2", -50, 2)], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(reason, dead.Reason);
        Assert.Contains(detail, dead.Detail, StringComparison.Ordinal);

        var clean = TestPipelines.Runtime(definition);
        clean.Process([Reading("a", "1", -60, 0), Reading("a", "2", -50, 2)], new RecordingSink());
        Assert.Equal(Inputs(clean, "a", 2), Inputs(runtime, "a", 2));
    }

    [Theory]
    [InlineData(2, "By", "", "Features:2:By", "is required when Transform is CategoryLast")]
    [InlineData(2, "By", "rssi", "Features:2:By", "must differ from Field")]
    [InlineData(0, "By", "antenna", "Features:0:By", "only a CategoryLast feature has a By field, this one is ZScore")]
    [InlineData(2, "Categories", "", "Features:2:Categories", "a CategoryLast feature needs at least one category")]
    [InlineData(2, "Categories", "1,3,2", "Features:2:Categories", "must list the same categories in the same order as Features:1")]
    [InlineData(2, "Lags", "2", "Features:2:Lags", "only a numeric feature has Lags, this one is CategoryLast")]
    [InlineData(2, "Time", "t", "Features:2:Time", "only a CategoryAge or Activity feature has a Time field, this one is CategoryLast")]
    public void Settings_are_validated_without_printing_their_values(int index, string setting, string value, string name, string problem)
    {
        var definition = Definition();
        var feature = definition.Features[index];
        switch (setting)
        {
            case "By":
                feature.By = value;
                break;
            case "Categories":
                feature.Categories = value.Length == 0 ? [] : [.. value.Split(',')];
                break;
            case "Lags":
                feature.Lags = int.Parse(value);
                break;
            default:
                feature.Time = value;
                break;
        }

        string error = Assert.Single(definition.Validate(), e => e.Contains(problem, StringComparison.Ordinal));
        Assert.StartsWith($"Pipelines:bed:{name}: ", error, StringComparison.Ordinal);
        if (value is "antenna" or "rssi" or "1,3,2")
        {
            Assert.DoesNotContain(value, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Two_CategoryLast_features_of_one_field_with_different_By_fields_are_allowed_and_a_Category_target_is_not_a_By()
    {
        var definition = Definition();
        definition.Features.Add(new FeatureOptions { Field = "rssi", Transform = FeatureTransform.CategoryLast, By = "reader", Categories = ["x"] });
        Assert.Empty(definition.Validate());
        definition.Features.Add(new FeatureOptions { Field = "rssi", Transform = FeatureTransform.CategoryLast, By = "reader", Categories = ["x"] });
        Assert.Contains("Features:4:Field: is listed twice with Transform CategoryLast", Assert.Single(definition.Validate()), StringComparison.Ordinal);

        var categorical = Definition();
        categorical.Features.RemoveAt(1);
        categorical.Features[1].By = "posture";
        categorical.Model.Head = HeadKind.Categorical;
        categorical.Target = new TargetOptions { Field = "posture", Transform = TargetTransform.Category, Categories = ["1", "2", "3"], Positive = ["3"] };
        Assert.Contains(categorical.Validate(), e => e.EndsWith("Target:Field: a Category target cannot also be the By field of a CategoryLast feature", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_the_feature_the_layout_and_so_stored_states_are_unchanged()
    {
        var plain = Definition();
        plain.Features.RemoveAt(2);
        var layout = new FeatureLayout(plain);
        // Pinned from main before CategoryLast existed: the statistics, previous-value slab and fingerprint of this layout.
        Assert.Equal(2, layout.StatisticCount);
        Assert.Equal(1 + 2, layout.PreviousCount);
        Assert.Equal(12229140857364295199UL, layout.Fingerprint);
        var withFeature = new FeatureLayout(Definition());
        Assert.Equal(layout.StatisticCount + 1, withFeature.StatisticCount);
        Assert.Equal(layout.PreviousCount + 3, withFeature.PreviousCount);
        Assert.NotEqual(layout.Fingerprint, withFeature.Fingerprint);
    }

    [Fact]
    public void Steady_state_processing_allocates_nothing()
    {
        var definition = Definition();
        definition.Training = new TrainingOptions { Enabled = false };
        var runtime = TestPipelines.Runtime(definition);
        var sink = new NullSink();
        var rng = new Random(3);
        var records = new InputRecord[64 * 40];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = TestPipelines.Record(
                $$"""{"trial":"k{{i % 64}}","antenna":"{{1 + rng.Next(3)}}","rssi":{{-70 + 20 * rng.NextDouble():F3}},"in_bed":1}""",
                i, timestamp: 1_700_000_000_000 + 100 * i);
        }

        for (int start = 0; start < 1280; start += 128)
        {
            runtime.Process(records.AsSpan(start, 128), sink);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = 1280; start < records.Length; start += 128)
        {
            runtime.Process(records.AsSpan(start, 128), sink);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, sink.DeadLetters);
        Assert.Equal(records.Length, sink.Predictions);
    }

    [Fact]
    public void Encode_writes_the_record_category_first_and_reads_zero_for_unseen_ones()
    {
        double[] statistic = [2, -55, 25]; // n = 2, μ = −55, σ = 5
        double[] last = [double.NaN, -50, double.NaN];
        float[] input = new float[3];
        CategoryLast.Encode(-60, 0, statistic, 1e-6, last, input);
        Assert.Equal([-1f, 1f, 0f], input);
        Assert.Equal([-60, -50, double.NaN], last);
    }

    private static void AssertInputs(double[][] expected, float[][] steps)
    {
        Assert.Equal(expected.Length, steps.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(expected[t][c], steps[t][4 + c], 5);
            }
        }
    }

    private static float[][] Inputs(PipelineRuntime runtime, string key, int steps)
    {
        var entry = runtime.Dump().Single(d => d.Key == key);
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize;
        return Enumerable.Range(0, steps).Select(t => entry.WindowFloats.AsSpan(s + t * n, n).ToArray()).ToArray();
    }
}
