using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Target:Within: the Exit and OutWithin labels in event time (the out step within W of step j, h readings the cap),
/// checked exactly on a hand-made sequence with irregular times through the runtime's training windows, against the
/// step-count labels when W is huge, across a changelog restore, with a late record, and against a brute-force oracle.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WithinLabelTests
{
    // Step:    0    1    2    3     4     5     6     7     8     9    10    11    12     13     14     15     16     17     18     19
    private static readonly int[] InBed = [1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1];
    private static readonly long[] Milliseconds =
        [0, 200, 400, 500, 3_000, 3_100, 3_200, 5_000, 5_100, 5_150, 9_000, 9_500, 9_900, 10_800, 11_000, 11_100, 11_200, 11_300, 11_400, 11_500];

    private const int Horizon = 4;
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    // h = 4, W = 1 s; labels of steps 0..15 (known by step 19). Steps 4–6: the exit at 8 is within 4 readings but
    // 1.9–2.1 s later → 0; steps 10–11: the exit at 13 is 1.3–1.8 s later → 0; step 12: 0.9 s → 1.
    private static readonly float[] OutWithinLabels = [1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0];
    private static readonly float[] ExitLabels = [1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0];

    // The same sequence labelled by steps only (no Within), h = 4.
    private static readonly float[] OutWithinStepLabels = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
    private static readonly float[] ExitStepLabels = [1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0];

    private static PipelineDefinition BedExit(TargetTransform transform, TimeSpan? within, int windowSteps = 32) => new()
    {
        Name = "bed",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "trial" },
        Features = [new FeatureOptions { Field = "acc" }],
        Target = new TargetOptions { Field = "in_bed", Transform = transform, OutValue = 0, Horizon = Horizon, Within = within },
        Model = new ModelOptions { Cell = CellKind.Lstm, HiddenSize = 4, Head = HeadKind.Binary, Seed = 5 },
        Training = new TrainingOptions { Enabled = true, WindowSteps = windowSteps, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static InputRecord[] Records(string trial, int[] inBed, long[] milliseconds, long shiftMs = 0) =>
        inBed.Select((x, i) => TestPipelines.Record($$"""{"trial":"{{trial}}","acc":{{0.1 * i}},"in_bed":{{x}}}""",
            i, timestamp: 1_700_000_000_000 + shiftMs + milliseconds[i])).ToArray();

    private static (float[] Targets, float[] Weights, int Fill) Window(PipelineRuntime runtime, string key, int windowSteps)
    {
        var entry = runtime.Dump().Single(d => d.Key == key);
        int s = runtime.Shape.StateSize, n = runtime.Shape.InputSize;
        return (entry.WindowFloats.AsSpan(s + windowSteps * n, windowSteps).ToArray(),
            entry.WindowFloats.AsSpan(s + windowSteps * n + windowSteps, windowSteps).ToArray(), entry.WindowFill);
    }

    private static float[] Labels(PipelineDefinition definition, int[] inBed, long[] milliseconds, int batch = int.MaxValue)
    {
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        var records = Records("t1", inBed, milliseconds);
        for (int i = 0; i < records.Length; i += batch)
        {
            runtime.Process(records.AsSpan(i, Math.Min(batch, records.Length - i)), sink);
        }

        Assert.Empty(sink.DeadLetters);
        var (targets, weights, fill) = Window(runtime, "t1", 32);
        int resolved = inBed.Length - Horizon;
        Assert.Equal(inBed.Length, fill);
        Assert.Equal(Enumerable.Repeat(1f, resolved), weights[..resolved]);
        Assert.Equal(new float[32 - resolved], weights[resolved..]);
        Assert.Equal(resolved, runtime.GetPrequentialSummary().Scored);
        return targets[..resolved];
    }

    [Theory]
    [InlineData(TargetTransform.OutWithin, 1)]
    [InlineData(TargetTransform.OutWithin, 7)]
    [InlineData(TargetTransform.Exit, 1)]
    [InlineData(TargetTransform.Exit, 7)]
    public void Windows_carry_the_exact_labels_in_event_time(TargetTransform transform, int batch)
    {
        float[] expected = transform == TargetTransform.Exit ? ExitLabels : OutWithinLabels;
        Assert.Equal(expected, Labels(BedExit(transform, Within), InBed, Milliseconds, batch));
    }

    [Theory]
    [InlineData(TargetTransform.OutWithin)]
    [InlineData(TargetTransform.Exit)]
    public void A_huge_window_gives_the_step_count_labels(TargetTransform transform)
    {
        float[] steps = transform == TargetTransform.Exit ? ExitStepLabels : OutWithinStepLabels;
        Assert.Equal(steps, Labels(BedExit(transform, null), InBed, Milliseconds));
        Assert.Equal(steps, Labels(BedExit(transform, TimeSpan.FromDays(1)), InBed, Milliseconds));
    }

    [Fact]
    public void A_late_record_counts_at_the_keys_latest_time_so_far()
    {
        // Step 2 is stamped 1 s before step 1 (LateRecords = Apply applies it): its label time is step 1's, 2 000 ms,
        // so the exit at 2 500 ms is 0.5 s after it (1.5 s by its own stamp). Step 0 is 2.5 s before the exit.
        int[] inBed = [1, 1, 1, 0, 1, 1, 1];
        long[] milliseconds = [0, 2_000, 1_000, 2_500, 2_600, 2_700, 2_800];
        var definition = BedExit(TargetTransform.OutWithin, Within);
        Assert.Equal(LateRecordPolicy.Apply, definition.LateRecords);
        Assert.Equal([0f, 1f, 1f], Labels(definition, inBed, milliseconds));
        Assert.Equal([0f, 1f, 1f], Labels(BedExit(TargetTransform.Exit, Within), inBed, milliseconds));
    }

    [Fact]
    public void Keys_keep_their_own_label_memory_and_it_survives_a_restore()
    {
        var definition = BedExit(TargetTransform.Exit, Within, windowSteps: 48);
        var a = Records("a", InBed, Milliseconds);
        var b = Records("b", InBed, Milliseconds, shiftMs: 7);
        var interleaved = new InputRecord[a.Length * 2];
        for (int i = 0; i < a.Length; i++)
        {
            interleaved[2 * i] = a[i] with { Offset = 2 * i };
            interleaved[2 * i + 1] = b[i] with { Offset = 2 * i + 1 };
        }

        var uninterrupted = TestPipelines.Runtime(definition);
        uninterrupted.Process(interleaved, new RecordingSink());
        Assert.Equal(ExitLabels, Window(uninterrupted, "a", 48).Targets[..16]);
        Assert.Equal(ExitLabels, Window(uninterrupted, "b", 48).Targets[..16]);

        // Cut after 13 records (step 6 of a, mid-way through the exits' FIFO) and restore from the changelog.
        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(interleaved.AsSpan(0, 13), sink);
        first.FlushChangelog(sink);
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        restored.Process(interleaved.AsSpan(13), new RecordingSink());
        StateAssert.BitIdentical(uninterrupted, restored);
        Assert.Equal(ExitLabels, Window(restored, "a", 48).Targets[..16]);
    }

    [Fact]
    public void Without_Within_the_layout_is_unchanged_and_with_it_the_state_is_not_misread()
    {
        var steps = new FeatureLayout(BedExit(TargetTransform.OutWithin, null));
        Assert.Equal(FeatureLayout.EventLabelMemory + Horizon, steps.PreviousCount);
        Assert.Equal(0, steps.TargetWithinMs);

        var timed = new FeatureLayout(BedExit(TargetTransform.OutWithin, Within));
        Assert.Equal(TimedEventLabel.Width(Horizon), timed.PreviousCount);
        Assert.Equal(1000, timed.TargetWithinMs);
        Assert.NotEqual(steps.Fingerprint, timed.Fingerprint);
    }

    [Fact]
    public void Within_is_validated_without_echoing_its_value()
    {
        var regression = BedExit(TargetTransform.Raw, Within);
        regression.Model.Head = HeadKind.Gaussian;
        Assert.Contains("Pipelines:bed:Target:Within: is for the Exit and OutWithin transforms only", regression.Validate());

        foreach (var bad in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-3), TimeSpan.FromTicks(5_000), TimeSpan.FromDays(2) })
        {
            var errors = BedExit(TargetTransform.OutWithin, bad).Validate();
            Assert.Equal(["Pipelines:bed:Target:Within: must be at least 1 ms and at most a day"], errors);
        }

        Assert.Empty(BedExit(TargetTransform.Exit, Within).Validate());
        Assert.Empty(BedExit(TargetTransform.OutWithin, TimeSpan.FromDays(1)).Validate());
    }

    [Theory]
    [InlineData(1, 300.0, 11)]
    [InlineData(5, 2_500.0, 12)]
    [InlineData(40, 8_000.0, 13)]
    public void The_O1_memory_agrees_with_a_brute_force_scan(int horizon, double withinMs, int seed)
    {
        var random = new Random(seed);
        const int n = 3_000;
        bool[] outs = new bool[n];
        long[] times = new long[n];
        long clock = 0;
        for (int i = 0; i < n; i++)
        {
            // Runs of in and out, gaps from 50 ms to 4 s, and now and then a late stamp up to 3 s back.
            outs[i] = i > 0 && random.NextDouble() < 0.9 ? outs[i - 1] : random.NextDouble() < 0.3;
            clock += random.Next(50, 4_000);
            times[i] = random.NextDouble() < 0.05 ? clock - random.Next(0, 3_000) : clock;
        }

        long[] tau = new long[n];
        for (int i = 0; i < n; i++)
        {
            tau[i] = i == 0 ? times[0] : Math.Max(tau[i - 1], times[i]);
        }

        foreach (bool exit in new[] { false, true })
        {
            double[] memory = new double[TimedEventLabel.Width(horizon)];
            Array.Fill(memory, double.NaN);
            for (int t = 0; t < n; t++)
            {
                double y = TimedEventLabel.Resolve(memory, horizon, withinMs, exit, outs[t], times[t]);
                Assert.Equal(t < horizon ? double.NaN : BruteForce(outs, tau, t - horizon, horizon, withinMs, exit), y);
            }
        }
    }

    /// <summary>The label of step j by its definition; <paramref name="tau"/> is the running maximum of the event times.</summary>
    private static double BruteForce(bool[] outs, long[] tau, int j, int horizon, double withinMs, bool exit)
    {
        if (exit && outs[j])
        {
            return 0;
        }

        for (int i = exit ? j + 1 : j; i <= j + horizon; i++)
        {
            if (outs[i] && tau[i] - tau[j] <= withinMs)
            {
                return 1;
            }
        }

        return 0;
    }
}
