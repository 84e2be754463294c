using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The Category target of a Categorical head, through the runtime: windows carry the class index of the step h ahead,
/// predictions carry every category's probability and "probability" = the sum over Target:Positive, the prequential
/// score is the log-loss of that probability against the event label, an unknown class is dead-lettered without
/// touching the key, a restore continues bit for bit, steady-state processing allocates nothing, and every setting
/// problem is named without its value.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CategoricalTargetTests
{
    // Postures of one trial (1 sit on bed, 2 sit on chair, 3 lying, 4 ambulating); 2 and 4 are out of bed.
    private static readonly int[] Labels = [3, 3, 1, 1, 4, 4, 2, 2, 4, 1, 3, 3];
    private static readonly string[] Categories = ["1", "2", "3", "4"];

    private static PipelineDefinition Postures(int windowSteps = 16, int horizon = 1) => new()
    {
        Name = "bed",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features = [new FeatureOptions { Field = "acc" }],
        Target = new TargetOptions
        {
            Field = "label",
            Transform = TargetTransform.Category,
            Horizon = horizon,
            Categories = [.. Categories],
            Positive = ["2", "4"],
        },
        Model = new ModelOptions { Cell = CellKind.Lstm, HiddenSize = 4, Head = HeadKind.Categorical, Seed = 5 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = windowSteps, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static InputRecord[] Records(string trial, long firstOffset, int[]? labels = null) =>
        (labels ?? Labels).Select((c, i) => TestPipelines.Record($$"""{"trial":"{{trial}}","acc":{{0.1 * i}},"label":{{c}}}""",
            firstOffset + i, timestamp: 1_700_000_000_000 + 500 * i)).ToArray();

    [Fact]
    public void The_shape_has_one_class_per_category_and_windows_carry_the_class_index_h_steps_ahead()
    {
        var definition = Postures(horizon: 2);
        Assert.Empty(definition.Validate());
        var runtime = TestPipelines.Runtime(definition);
        Assert.Equal(new ModelShape(CellKind.Lstm, 1, 4, 1, HeadKind.Categorical, 4), runtime.Shape);
        var sink = new RecordingSink();
        runtime.Process(Records("t1", 0), sink);

        var entry = runtime.Dump().Single();
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize, k = 16;
        float[] targets = entry.WindowFloats.AsSpan(s + k * n, k).ToArray();
        float[] weights = entry.WindowFloats.AsSpan(s + k * n + k, k).ToArray();
        // Step j's target is the class of step j + 2 (index into Categories), known at step j + 2.
        float[] expected = [.. Labels.Skip(2).Select(c => (float)(c - 1))];
        Assert.Equal(expected, targets[..10]);
        Assert.Equal(Enumerable.Repeat(1f, 10), weights[..10]);
        Assert.Equal(new float[6], weights[10..]);
        Assert.Empty(sink.DeadLetters);
        Assert.Equal(Labels.Length, sink.Predictions.Count);
    }

    [Fact]
    public void Predictions_carry_the_class_probabilities_and_the_event_probability_is_their_sum_over_the_positive_classes()
    {
        var definition = Postures();
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process(Records("t1", 0), sink);

        double logLoss = 0, brier = 0;
        for (int i = 0; i < sink.Predictions.Count; i++)
        {
            var json = sink.PredictionJson(i);
            var probabilities = json.GetProperty("probabilities");
            Assert.Equal(Categories, probabilities.EnumerateObject().Select(p => p.Name));
            float[] p = [.. Categories.Select(c => probabilities.GetProperty(c).GetSingle())];
            Assert.All(p, v => Assert.InRange(v, 0f, 1f));
            Assert.Equal(1.0, p.Sum(v => (double)v), 5);
            double q = json.GetProperty("probability").GetDouble();
            Assert.Equal((double)p[1] + p[3], q);
            Assert.False(json.TryGetProperty("value", out _));
            if (i + 1 < Labels.Length)
            {
                double y = Labels[i + 1] is 2 or 4 ? 1 : 0, clamped = Math.Clamp(q, 1e-7, 1 - 1e-7);
                logLoss -= y * Math.Log(clamped) + (1 - y) * Math.Log(1 - clamped);
                brier += (q - y) * (q - y);
            }
        }

        // The prequential score is the event probability's, against the event label of the step it forecast.
        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(Labels.Length - 1, summary.Scored);
        Assert.Equal(logLoss / (Labels.Length - 1), summary.ModelLogLoss, 12);
        Assert.Equal(brier / (Labels.Length - 1), summary.ModelBrier, 12);

        // The key query shows the same probabilities (same weights, same state) by category.
        var last = sink.PredictionJson(sink.Predictions.Count - 1).GetProperty("probabilities");
        var summaryOfKey = runtime.QueryKey("t1")!;
        Assert.NotNull(summaryOfKey.ClassProbabilities);
        foreach (string c in Categories)
        {
            Assert.Equal(last.GetProperty(c).GetDouble(), summaryOfKey.ClassProbabilities![c], 1e-6);
        }
    }

    [Fact]
    public void An_unknown_class_is_dead_lettered_and_leaves_the_key_untouched()
    {
        var runtime = TestPipelines.Runtime(Postures());
        var sink = new RecordingSink();
        runtime.Process(Records("t1", 0).AsSpan(0, 3), sink);
        var before = runtime.Dump().Single();
        runtime.Process([TestPipelines.Record("""{"trial":"t1","acc":0.5,"label":7}""", 3, timestamp: 1_700_000_002_000)], sink);
        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal(DeadLetterReason.UnknownCategory, dead.Reason);
        Assert.StartsWith("field 'label':", dead.Detail);
        var after = runtime.Dump().Single();
        Assert.Equal(before.State, after.State);
        Assert.Equal(before.Steps, after.Steps);

        // A string label of the configured spelling is a class too.
        runtime.Process([TestPipelines.Record("""{"trial":"t1","acc":0.5,"label":"2"}""", 4, timestamp: 1_700_000_003_000)], sink);
        Assert.Single(sink.DeadLetters);
        Assert.Equal(4, sink.Predictions.Count);
    }

    [Fact]
    public void A_restored_key_continues_bit_for_bit()
    {
        var definition = Postures(windowSteps: 8);
        var records = Records("a", 0).Concat(Records("b", 100)).ToArray();
        var uninterrupted = TestPipelines.Runtime(definition);
        uninterrupted.Process(records, new RecordingSink());

        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records.AsSpan(0, 17), sink);
        first.FlushChangelog(sink);
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        restored.Process(records.AsSpan(17), new RecordingSink());
        StateAssert.BitIdentical(uninterrupted, restored);
    }

    [Fact]
    public void Steady_state_processing_allocates_nothing()
    {
        var definition = Postures();
        definition.Training = new TrainingOptions { Enabled = false };
        var runtime = TestPipelines.Runtime(definition);
        var sink = new NullSink();
        var rng = new Random(3);
        var records = new InputRecord[64 * 40];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = TestPipelines.Record($$"""{"trial":"k{{i % 64}}","acc":{{rng.NextDouble():F4}},"label":{{1 + rng.Next(4)}}}""",
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
    public void Alert_rules_accept_the_categorical_head()
    {
        var definition = Postures();
        definition.AlertTopic = "alerts";
        definition.Alerts = new AlertOptions { Event = "out of bed" };
        Assert.Empty(definition.Validate());
        Assert.NotNull(AlertMonitor.Create(definition, null));
    }

    public static TheoryData<string, string> Problems() => new()
    {
        { "raw", "Pipelines:bed:Target:Transform: a Categorical head needs Transform = Category (a class label)" },
        { "binary", "Pipelines:bed:Target:Transform: a Category target needs Model:Head = Categorical" },
        { "one", "Pipelines:bed:Target:Categories: a Category target needs 2 to 256 categories" },
        { "repeat", "Pipelines:bed:Target:Categories: must not repeat a category" },
        { "no-positive", "Pipelines:bed:Target:Positive: a Category target needs at least one event category (the alert probability sums them)" },
        { "stranger", "Pipelines:bed:Target:Positive: every entry must be one of Target:Categories" },
        { "all", "Pipelines:bed:Target:Positive: must leave at least one category out (an event that is always true has nothing to predict)" },
        { "weights", "Pipelines:bed:Training:ClassWeights: needs one weight per entry of Target:Categories" },
        { "positive-weight", "Pipelines:bed:Training:PositiveWeight: a Categorical head takes auto or 1 (fixed weights per class go in Training:ClassWeights)" },
        { "onehot", "Pipelines:bed:Target:Field: a Category target cannot also be read by a OneHot or CategoryAge feature" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Each_setting_problem_is_named_without_its_value(string change, string expected)
    {
        var d = Postures();
        switch (change)
        {
            case "raw": d.Target.Transform = TargetTransform.Raw; break;
            case "binary": d.Model.Head = HeadKind.Binary; break;
            case "one": d.Target.Categories = ["secret-1"]; break;
            case "repeat": d.Target.Categories = ["1", "2", "3", "3"]; d.Target.Positive = ["2"]; break;
            case "no-positive": d.Target.Positive = []; break;
            case "stranger": d.Target.Positive = ["secret-9"]; break;
            case "all": d.Target.Positive = [.. Categories]; break;
            case "weights": d.Training.ClassWeights = [1, 2]; break;
            case "positive-weight": d.Training.PositiveWeight = "7"; break;
            case "onehot": d.Features.Add(new FeatureOptions { Field = "label", Transform = FeatureTransform.OneHot, Categories = [.. Categories] }); break;
        }

        var errors = d.Validate();
        Assert.Contains(expected, errors);
        Assert.DoesNotContain(errors, e => e.Contains("secret", StringComparison.Ordinal) || e.Contains('7'));
    }

    [Fact]
    public void Auto_class_weights_are_the_most_frequent_count_over_each_class_count_capped()
    {
        var shape = new ModelShape(CellKind.Lstm, 1, 4, 1, HeadKind.Categorical, 4);
        var weighting = ClassWeighting.Create(new TrainingOptions { PositiveWeight = "auto" }, shape)!;
        var pool = new TrainingWindowPool(shape.StateSize, shape.InputSize, 8, 2);
        var window = pool.Rent();
        float[] classes = [2, 2, 2, 2, 0, 0, 3, 2];
        float[] weights = [1, 1, 1, 1, 1, 1, 1, 0];
        classes.CopyTo(window.Targets);
        weights.CopyTo(window.TargetWeights);
        weighting.Apply(window);
        // Counts (weighted steps only): class 2 → 4, class 0 → 2, class 3 → 1, class 1 → 0 (weight 1 until seen).
        Assert.Equal(new float[] { 1, 1, 1, 1, 2, 2, 4, 0 }, window.TargetWeights.ToArray());
        Assert.Equal(1, weighting.ClassWeight(1));

        var fixedWeights = ClassWeighting.Create(new TrainingOptions { ClassWeights = [1, 5, 1, 5] }, shape)!;
        var second = pool.Rent();
        classes.CopyTo(second.Targets);
        weights.CopyTo(second.TargetWeights);
        second.Targets[0] = 1;
        fixedWeights.Apply(second);
        Assert.Equal(new float[] { 5, 1, 1, 1, 1, 1, 5, 0 }, second.TargetWeights.ToArray());
        Assert.Null(ClassWeighting.Create(new TrainingOptions(), shape));
    }
}
