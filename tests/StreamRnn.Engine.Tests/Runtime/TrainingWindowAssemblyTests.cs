using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.State;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>The runtime's side of training: windows assembled per key and handed to the trainer.</summary>
[Trait("Category", "Unit")]
public sealed class TrainingWindowAssemblyTests
{
    private static PipelineDefinition Counting() => new()
    {
        Name = "counting",
        InputTopic = "in",
        OutputTopic = "out",
        Features = [new FeatureOptions { Field = "x" }],
        Target = new TargetOptions { Field = "x" },
        Normalization = new NormalizationOptions { HalfLife = 0 },
        Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 2, Head = HeadKind.Linear },
        Training = new TrainingOptions { Enabled = true, WindowSteps = 4, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 },
    };

    private static OnlineTrainer Trainer(PipelineDefinition definition) =>
        new(definition.Name, definition.Training, new ModelRegistry(TestPipelines.Weights(definition)), new HistoricalScheduler());

    [Fact]
    public void Windows_hold_the_start_state_inputs_and_standardised_targets_that_arrived_inside_them()
    {
        var definition = Counting();
        var runtime = TestPipelines.Runtime(definition);
        using var trainer = Trainer(definition);
        runtime.Trainer = trainer;
        var sink = new RecordingSink();
        for (int i = 0; i < 4; i++)
        {
            runtime.Process([TestPipelines.Record($$"""{"x":{{i + 1}}}""", i, "a")], sink);
        }

        float[] stateAfterFour = runtime.StateOf("a")!;
        for (int i = 4; i < 9; i++)
        {
            runtime.Process([TestPipelines.Record($$"""{"x":{{i + 1}}}""", i, "a")], sink);
        }

        Assert.Equal(2, runtime.WindowsCompleted);
        Assert.True(trainer.Queue.TryDequeue(out var first));
        Assert.True(trainer.Queue.TryDequeue(out var second));
        Assert.False(trainer.Queue.TryDequeue(out _));

        Assert.Equal(new float[2], first.StartState.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], first.Inputs.ToArray());
        // Targets y_{j+1} with the running (Welford) μ_j, σ_j after x_j: σ_0 is the floor, so z is clipped to 10.
        Assert.Equal([10f, (float)((3 - 1.5) / 0.5), (float)((4 - 2) / Math.Sqrt(2.0 / 3)), 0f], first.Targets.ToArray());
        Assert.Equal([1f, 1f, 1f, 0f], first.TargetWeights.ToArray());

        Assert.Equal(StateAssert.Bits(stateAfterFour), StateAssert.Bits(second.StartState.ToArray()));
        Assert.Equal([5f, 6f, 7f, 8f], second.Inputs.ToArray());
        Assert.Equal((float)((6 - 3) / Math.Sqrt(2)), second.Targets[0]);
        Assert.Equal([1f, 1f, 1f, 0f], second.TargetWeights.ToArray());
        first.Return();
        second.Return();
    }

    [Fact]
    public void The_window_in_progress_survives_a_restore_from_the_changelog()
    {
        var definition = TestPipelines.Stocks(CellKind.Lstm, hidden: 8);
        definition.Training = new TrainingOptions { Enabled = true, WindowSteps = 6 };
        var records = TestPipelines.StockRecords(300, keys: 9, seed: 12);

        var uninterrupted = TestPipelines.Runtime(definition);
        uninterrupted.Process(records, new RecordingSink());

        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records.AsSpan(0, 137), sink);
        first.FlushChangelog(sink);
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        restored.Process(records.AsSpan(137), new RecordingSink());
        StateAssert.BitIdentical(uninterrupted, restored);
        Assert.Equal(uninterrupted.WindowsCompleted, first.WindowsCompleted + restored.WindowsCompleted);
        Assert.True(uninterrupted.WindowsCompleted >= 40);

        // Changelog state of a pipeline without training does not fit one with training.
        var untrained = TestPipelines.Runtime(TestPipelines.Stocks(CellKind.Lstm, hidden: 8));
        Assert.Throws<StateFormatException>(() => untrained.Restore(sink.ChangelogRecords[0].Partition,
            sink.ChangelogRecords[0].Key, sink.ChangelogRecords[0].Value));
    }

    [Fact]
    public void A_trainer_of_another_shape_is_refused_and_the_horizon_must_fit_in_a_window()
    {
        var definition = Counting();
        var runtime = TestPipelines.Runtime(definition);
        var other = Counting();
        other.Training.WindowSteps = 5;
        using var trainer = Trainer(other);
        Assert.Throws<ArgumentException>(() => runtime.Trainer = trainer);

        definition.Target.Horizon = 4;
        Assert.Contains("Pipelines:counting:Training:WindowSteps: must be greater than Target:Horizon (the longest of Target:Horizons): a window only trains on targets that arrive inside it",
            definition.Validate());
    }
}
