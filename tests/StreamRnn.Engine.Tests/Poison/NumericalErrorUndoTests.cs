using Microsoft.Extensions.Time.Testing;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// A record whose step fails (NumericalError) is taken back completely: the key's state, statistics, previous
/// values, offset and step count end bit-identical to a runtime that never saw the record, also when later records
/// of the key are in the same batch (they are encoded again on top of the restored statistics).
/// </summary>
[Trait("Category", "Unit")]
public sealed class NumericalErrorUndoTests
{
    /// <summary>
    /// One Raw input x and a Raw target y; an Elman cell whose first unit is tanh(50x) ≈ sign(x) and second unit ≈ 1,
    /// and a head of weights 3e38 on both: for x &gt; 0 the head overflows to +∞ (the step fails), for x &lt; 0 it is 0.
    /// </summary>
    private static (PipelineDefinition Definition, ModelWeights Weights) Fragile()
    {
        var definition = new PipelineDefinition
        {
            Name = "fragile",
            InputTopic = "in",
            OutputTopic = "out",
            Features = [new FeatureOptions { Field = "x", Transform = FeatureTransform.Raw }],
            Target = new TargetOptions { Field = "y", Transform = TargetTransform.Raw },
            Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 2, Layers = 1, Head = HeadKind.Linear, Highway = false },
        };
        var shape = definition.CreateShape();
        Assert.Equal(13, shape.ParameterCount);
        float[] p =
        [
            50, 0,          // W_ih (2 × 1)
            0, 0, 0, 0,     // W_hh (2 × 2)
            0, 50,          // b_ih
            0, 0,           // b_hh
            3e38f, 3e38f,   // W_out (1 × 2)
            0,              // b_out
        ];
        return (definition, ModelWeights.FromParameters(shape, p, 1));
    }

    private static InputRecord Record(long offset, double x, double y, string key = "k") =>
        TestPipelines.Record(FormattableString.Invariant($$"""{"x":{{x}},"y":{{y}}}"""), offset: offset, key: key);

    private static PipelineRuntime Runtime()
    {
        var (definition, weights) = Fragile();
        return new PipelineRuntime(definition, weights, TestPipelines.Clock(), null);
    }

    [Fact]
    public void A_failed_step_in_the_middle_of_a_batch_leaves_the_key_as_if_the_record_never_arrived()
    {
        var runtime = Runtime();
        var sink = new RecordingSink();
        runtime.Process([Record(0, -1, 10), Record(1, 1, 1e6), Record(2, -2, 12), Record(3, -1, 11, key: "other"), Record(4, -3, 13)], sink);

        var dead = Assert.Single(sink.DeadLetters);
        Assert.Equal((1L, DeadLetterReason.NumericalError), (dead.Offset, dead.Reason));
        Assert.Contains("the key's state is unchanged", dead.Detail, StringComparison.Ordinal);

        var reference = Runtime();
        var expected = new RecordingSink();
        reference.Process([Record(0, -1, 10), Record(2, -2, 12), Record(3, -1, 11, key: "other"), Record(4, -3, 13)], expected);
        StateAssert.BitIdentical(reference, runtime);
        Assert.Equal(expected.Predictions, sink.Predictions);
        Assert.Equal(4, runtime.Counters.RecordsApplied);
        Assert.Equal(3, runtime.QueryKey("k")!.Steps);
    }

    [Fact]
    public void A_failed_step_in_its_own_batch_does_not_advance_the_offset_or_the_statistics()
    {
        var runtime = Runtime();
        var reference = Runtime();
        var sink = new RecordingSink();
        runtime.Process([Record(0, -1, 10)], sink);
        reference.Process([Record(0, -1, 10)], new RecordingSink());

        runtime.Process([Record(1, 1, 1e6)], sink);
        Assert.Equal(DeadLetterReason.NumericalError, Assert.Single(sink.DeadLetters).Reason);
        StateAssert.BitIdentical(reference, runtime);
        Assert.Equal(0, runtime.QueryKey("k")!.LastAppliedOffset);

        // An at-least-once replay of the failed record is not skipped as a duplicate: it fails again.
        runtime.Process([Record(1, 1, 1e6)], sink);
        Assert.Equal(2, sink.DeadLetters.Count);
        Assert.Equal(0, runtime.Counters.SkippedDuplicates);
    }

    [Fact]
    public void A_new_key_whose_first_step_fails_is_not_kept()
    {
        var runtime = Runtime();
        var sink = new RecordingSink();
        runtime.Process([Record(0, 1, 10, key: "new"), Record(1, -1, 10, key: "kept")], sink);

        Assert.Equal(DeadLetterReason.NumericalError, Assert.Single(sink.DeadLetters).Reason);
        Assert.Null(runtime.QueryKey("new"));
        Assert.Equal(1, runtime.KeyCount);
    }
}
