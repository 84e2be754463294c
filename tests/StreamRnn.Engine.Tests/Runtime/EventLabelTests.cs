using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The Exit and OutWithin targets: labels derived in the engine from a state field (in_bed), resolved h steps later,
/// checked exactly on a hand-made sequence through the runtime's training windows and prequential scoring.
/// </summary>
[Trait("Category", "Unit")]
public sealed class EventLabelTests
{
    // Step:           0  1  2  3  4  5  6  7  8  9 10 11 12
    // in_bed:         0  1  1  1  0  1  0  0  1  1  1  1  0   (out at the start; exits at 4 and 6, two steps apart; exit at 12)
    private static readonly int[] InBed = [0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0];

    // Irregular arrival: bursts 50 ms apart, then gaps of seconds and one of 3 minutes. Labels count steps, so the gaps
    // must not change them.
    private static readonly long[] Milliseconds = [0, 50, 100, 2_000, 2_050, 9_000, 9_250, 189_250, 189_300, 190_000, 191_500, 191_550, 200_000];

    private const int Horizon = 3;

    // Exit, h = 3: y_j = in(j) ∧ out(i) for some i in (j, j+3]; known for j ≤ 12 − 3 = 9.
    private static readonly float[] ExitLabels = [0, 1, 1, 1, 0, 1, 0, 0, 0, 1];

    // OutWithin, h = 3: y_j = out(i) for some i in [j, j+3].
    private static readonly float[] OutWithinLabels = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1];

    private static PipelineDefinition BedExit(TargetTransform transform, int windowSteps = 16) => new()
    {
        Name = "bed",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features = [new FeatureOptions { Field = "acc" }],
        Target = new TargetOptions { Field = "in_bed", Transform = transform, OutValue = 0, Horizon = Horizon },
        Model = new ModelOptions { Cell = CellKind.Lstm, HiddenSize = 4, Head = HeadKind.Binary, Seed = 5 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = windowSteps, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static InputRecord[] Records(string trial, long firstOffset, long shiftMs = 0) =>
        InBed.Select((x, i) => TestPipelines.Record($$"""{"trial":"{{trial}}","acc":{{0.1 * i}},"in_bed":{{x}}}""",
            firstOffset + i, timestamp: 1_700_000_000_000 + shiftMs + Milliseconds[i])).ToArray();

    /// <summary>The targets and target weights of the key's window in progress (layout: state, k × inputs, k targets, k weights).</summary>
    private static (float[] Targets, float[] Weights, int Fill) Window(PipelineRuntime runtime, string key, int windowSteps)
    {
        var entry = runtime.Dump().Single(d => d.Key == key);
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize;
        return (entry.WindowFloats.AsSpan(s + windowSteps * n, windowSteps).ToArray(),
            entry.WindowFloats.AsSpan(s + windowSteps * n + windowSteps, windowSteps).ToArray(), entry.WindowFill);
    }

    [Theory]
    [InlineData(TargetTransform.Exit)]
    [InlineData(TargetTransform.OutWithin)]
    public void Windows_carry_the_exact_labels_each_known_h_steps_later(TargetTransform transform)
    {
        float[] expected = transform == TargetTransform.Exit ? ExitLabels : OutWithinLabels;
        var definition = BedExit(transform);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var records = Records("t1", 0);
        // One record per call for the first half, the rest in one call: the labels do not depend on batching.
        for (int i = 0; i < 6; i++)
        {
            runtime.Process(records.AsSpan(i, 1), sink);
        }

        runtime.Process(records.AsSpan(6), sink);

        var (targets, weights, fill) = Window(runtime, "t1", 16);
        Assert.Equal(13, fill);
        Assert.Equal(expected, targets[..10]);
        Assert.Equal(Enumerable.Repeat(1f, 10), weights[..10]);
        // Steps 10..12 are not resolved yet (their h steps have not all arrived).
        Assert.Equal(new float[6], weights[10..]);
        Assert.Empty(sink.DeadLetters);

        // Every step predicts (no history needed), and exactly the resolved ones are scored.
        Assert.Equal(13, sink.Predictions.Count);
        Assert.Equal(10, runtime.GetPrequentialSummary().Scored);
    }

    [Fact]
    public void The_prequential_score_uses_the_labels_against_the_predictions_made_h_steps_before()
    {
        var definition = BedExit(TargetTransform.Exit);
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        runtime.Process(Records("t1", 0), sink);

        double[] p = [.. sink.Predictions.Select((_, i) => sink.PredictionJson(i).GetProperty("probability").GetDouble())];
        double brier = 0, logLoss = 0;
        for (int j = 0; j < ExitLabels.Length; j++)
        {
            double y = ExitLabels[j], q = Math.Clamp(p[j], 1e-7, 1 - 1e-7);
            brier += (p[j] - y) * (p[j] - y);
            logLoss -= y * Math.Log(q) + (1 - y) * Math.Log(1 - q);
        }

        var summary = runtime.GetPrequentialSummary();
        Assert.Equal(brier / ExitLabels.Length, summary.ModelBrier, 12);
        Assert.Equal(logLoss / ExitLabels.Length, summary.ModelLogLoss, 12);
    }

    [Fact]
    public void Keys_keep_their_own_label_memory_and_it_survives_a_restore()
    {
        var definition = BedExit(TargetTransform.Exit, windowSteps: 32);
        // Two trials interleaved record by record; the second starts out of bed too.
        var a = Records("a", 0);
        var b = Records("b", 0, shiftMs: 7);
        var interleaved = new InputRecord[a.Length * 2];
        for (int i = 0; i < a.Length; i++)
        {
            interleaved[2 * i] = a[i] with { Offset = 2 * i };
            interleaved[2 * i + 1] = b[i] with { Offset = 2 * i + 1 };
        }

        var uninterrupted = TestPipelines.Runtime(definition);
        uninterrupted.Process(interleaved, new RecordingSink());
        Assert.Equal(ExitLabels, Window(uninterrupted, "a", 32).Targets[..10]);
        Assert.Equal(ExitLabels, Window(uninterrupted, "b", 32).Targets[..10]);

        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(interleaved.AsSpan(0, 11), sink);
        first.FlushChangelog(sink);
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        restored.Process(interleaved.AsSpan(11), new RecordingSink());
        StateAssert.BitIdentical(uninterrupted, restored);
    }

    [Fact]
    public void Event_labels_need_a_binary_head_and_a_finite_out_value()
    {
        var definition = BedExit(TargetTransform.Exit);
        definition.Model.Head = HeadKind.Gaussian;
        definition.Target.OutValue = double.NaN;
        var errors = definition.Validate();
        Assert.Contains("Pipelines:bed:Target:Transform: an event label is 0/1 and needs Model:Head = Binary", errors);
        Assert.Contains("Pipelines:bed:Target:OutValue: must be a finite number (the field value that means out)", errors);

        var binaryDifference = BedExit(TargetTransform.Difference);
        Assert.Contains("Pipelines:bed:Target:Transform: a Binary head forecasts a 0/1 target: use Raw, Exit or OutWithin",
            binaryDifference.Validate());
        Assert.Empty(BedExit(TargetTransform.OutWithin).Validate());
    }
}
