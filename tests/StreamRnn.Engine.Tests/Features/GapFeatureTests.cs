using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>The Gap feature: the log-compressed time since the key's previous reading.</summary>
[Trait("Category", "Unit")]
public sealed class GapFeatureTests
{
    [Fact]
    public void Gap_inputs_are_ln_1_plus_the_non_negative_difference_and_0_on_a_first_record()
    {
        var definition = new PipelineDefinition
        {
            Name = "gaps",
            InputTopic = "in",
            OutputTopic = "out",
            Key = new KeyOptions { Source = KeySource.Field, Field = "k" },
            Features = [new FeatureOptions { Field = "time_s", Transform = FeatureTransform.Gap }],
            Target = new TargetOptions { Field = "y" },
            Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 2, Head = HeadKind.Linear },
            Training = new TrainingOptions { Enabled = true, WindowSteps = 8 },
        };
        var runtime = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        double[] times = [10, 10.05, 12, 11, 200];
        for (int i = 0; i < times.Length; i++)
        {
            runtime.Process([TestPipelines.Record($$"""{"k":"a","time_s":{{times[i]}},"y":{{i}}}""", i)], sink);
        }

        // Another key's gaps start afresh.
        runtime.Process([TestPipelines.Record("""{"k":"b","time_s":500,"y":0}""", 5)], sink);

        var a = runtime.Dump().Single(d => d.Key == "a");
        int s = runtime.Shape.StateSize;
        Assert.Equal([0f, (float)Math.Log(1.05), (float)Math.Log(1 + (12 - 10.05)), 0f, (float)Math.Log(190)], a.WindowFloats.AsSpan(s, 5).ToArray());
        var b = runtime.Dump().Single(d => d.Key == "b");
        Assert.Equal(0f, b.WindowFloats[s]);
        // A Gap input needs no history: every record with a target history predicts (Raw target: all of them).
        Assert.Equal(6, sink.Predictions.Count);
        Assert.Empty(sink.DeadLetters);
    }
}
