using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>The LogRatio feature: u = z(ln(Field / Over)) of two fields of the same record, e.g. a bar's range.</summary>
[Trait("Category", "Unit")]
public sealed class LogRatioFeatureTests
{
    private static PipelineDefinition Range() => new()
    {
        Name = "range",
        InputTopic = "in",
        OutputTopic = "out",
        Key = new KeyOptions { Source = KeySource.Field, Field = "k" },
        Features = [new FeatureOptions { Field = "high", Transform = FeatureTransform.LogRatio, Over = "low" }],
        Target = new TargetOptions { Field = "y" },
        Normalization = new NormalizationOptions { HalfLife = 0 },
        Model = new ModelOptions { Cell = CellKind.Rnn, HiddenSize = 2, Head = HeadKind.Linear },
        Training = new TrainingOptions { Enabled = true, WindowSteps = 8 },
    };

    [Fact]
    public void Inputs_are_the_standardised_log_ratio_and_bad_records_leave_the_key_untouched()
    {
        var runtime = TestPipelines.Runtime(Range());
        var sink = new RecordingSink();
        string[] records =
        [
            """{"k":"a","high":20,"low":10,"y":0}""", // ln 2
            """{"k":"a","high":8,"low":0,"y":1}""", // dead: low is not positive
            """{"k":"a","high":-4,"low":1,"y":1}""", // dead: high is not positive
            """{"k":"a","high":4,"y":1}""", // dead: low is missing
            """{"k":"a","high":"","low":1,"y":1}""", // dead: high is empty
            """{"k":"a","high":12,"low":3,"y":1}""", // ln 4 = 2 ln 2
            """{"k":"a","high":0.8,"low":0.1,"y":2}""", // ln 8 = 3 ln 2
        ];
        for (int i = 0; i < records.Length; i++)
        {
            runtime.Process([TestPipelines.Record(records[i], i)], sink);
        }

        Assert.Equal(
            [DeadLetterReason.NonFiniteValue, DeadLetterReason.NonFiniteValue, DeadLetterReason.MissingField, DeadLetterReason.MissingField],
            sink.DeadLetters.Select(d => d.Reason));
        Assert.Equal("field 'low': LogRatio needs positive values, got 0", sink.DeadLetters[0].Detail);
        Assert.Equal("field 'high': LogRatio needs positive values, got -4", sink.DeadLetters[1].Detail);
        Assert.Contains("field 'low' is", sink.DeadLetters[2].Detail, StringComparison.Ordinal);
        Assert.Contains("field 'high' is", sink.DeadLetters[3].Detail, StringComparison.Ordinal);

        // Welford over r = L, 2L, 3L (L = ln 2, HalfLife 0): z = 0; (2L − 1.5L) / 0.5L = 1; (3L − 2L) / (L·√(2/3)) = √1.5.
        var a = runtime.Dump().Single(d => d.Key == "a");
        Assert.Equal(3, a.WindowFill);
        float[] inputs = a.WindowFloats.AsSpan(runtime.Shape.StateSize, 3).ToArray();
        Assert.Equal(0f, inputs[0]);
        Assert.Equal(1f, inputs[1], 5e-7f);
        Assert.Equal((float)Math.Sqrt(1.5), inputs[2], 5e-7f);

        // A LogRatio input needs no previous record: with a Raw target every accepted record predicts.
        Assert.Equal(3, sink.Predictions.Count);
    }

    [Fact]
    public void Over_must_name_another_field_and_two_ratios_may_share_a_numerator()
    {
        var definition = Range();
        definition.Features[0].Over = "high";
        Assert.Equal(["Pipelines:range:Features:0:Over: must differ from Field (ln(x / x) is always 0)"], definition.Validate());

        definition = Range();
        definition.Features.Add(new FeatureOptions { Field = "high", Transform = FeatureTransform.LogRatio, Over = "close" });
        Assert.Empty(definition.Validate());
        definition.Features.Add(new FeatureOptions { Field = "high", Transform = FeatureTransform.LogRatio, Over = "low" });
        Assert.Equal(["Pipelines:range:Features:2:Field: is listed twice with Transform LogRatio"], definition.Validate());
    }

    [Fact]
    public void Steady_state_processing_with_a_log_ratio_allocates_nothing()
    {
        var definition = TestPipelines.Stocks(CellKind.Lstm, hidden: 32);
        definition.Features.Add(new FeatureOptions { Field = "close", Transform = FeatureTransform.LogRatio, Over = "open" });
        var runtime = TestPipelines.Runtime(definition);
        var sink = new NullSink();
        var records = TestPipelines.StockRecords(64 * 60, keys: 64, seed: 5);
        const int chunk = 256;
        for (int start = 0; start < 2048; start += chunk)
        {
            runtime.Process(records.AsSpan(start, chunk), sink);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int start = 2048; start < records.Length; start += chunk)
        {
            runtime.Process(records.AsSpan(start, Math.Min(chunk, records.Length - start)), sink);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, sink.DeadLetters);
        Assert.Equal(records.Length - 64, sink.Predictions);
        Assert.Equal(0, allocated);
    }
}
