using System.Reactive.Concurrency;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Target:Horizons end to end through the runtime: configuration rules, the first horizon identical to a Horizon 1
/// pipeline with coinciding weights, the "horizons" array of a prediction, training windows carrying each horizon's
/// target at the step it was forecast (NaN until it arrives), per-horizon scoring and a restore that continues bit for bit.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HorizonsTests
{
    private static PipelineDefinition Definition(HeadKind head = HeadKind.Gaussian, List<int>? horizons = null, bool training = false) => new()
    {
        Name = "levels",
        InputTopic = "in",
        OutputTopic = "out",
        Features = [new FeatureOptions { Field = "x", Transform = FeatureTransform.Difference }, new FeatureOptions { Field = "x", Transform = FeatureTransform.ZScore }],
        Target = new TargetOptions { Field = "x", Transform = TargetTransform.Difference, Horizons = horizons },
        Normalization = new NormalizationOptions { HalfLife = 0 },
        Model = new ModelOptions { Cell = CellKind.Gru, HiddenSize = 4, Head = head, Seed = 5 },
        Training = training
            ? new TrainingOptions { Enabled = true, WindowSteps = 6, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 1 }
            : new TrainingOptions(),
        Output = new OutputOptions { WarmupTargets = 2 },
    };

    private static double X(int i) => 0.5 * i * i + (i % 3);

    private static InputRecord[] Records(int count, string key = "a", int offset = 0) =>
        [.. Enumerable.Range(offset, count).Select(i => TestPipelines.Record(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $$"""{"x":{{X(i):R}}}"""), i, key))];

    [Fact]
    public void Configuration_errors_name_the_setting_never_the_value()
    {
        static IReadOnlyList<string> Errors(Action<PipelineDefinition> change)
        {
            var definition = Definition(horizons: [1, 6, 24]);
            change(definition);
            return definition.Validate();
        }

        Assert.Empty(Errors(_ => { }));
        Assert.Contains(Errors(d => d.Target.Horizons = [1, 6, 6]), e => e == "Pipelines:levels:Target:Horizons: must be strictly increasing");
        Assert.Contains(Errors(d => d.Target.Horizons = [1, 1001]), e => e.StartsWith("Pipelines:levels:Target:Horizons: each horizon must be between 1 and", StringComparison.Ordinal));
        Assert.Contains(Errors(d => d.Target.Horizons = []), e => e.StartsWith("Pipelines:levels:Target:Horizons: must list 1 to", StringComparison.Ordinal));
        Assert.Contains(Errors(d => d.Target.Horizon = 7), e => e == "Pipelines:levels:Target:Horizon: set Target:Horizon or Target:Horizons, not both");
        Assert.Contains(Errors(d => d.Linear = new() { Enabled = true, Order = 2 }), e => e.StartsWith("Pipelines:levels:Linear:Enabled: the linear path forecasts one horizon", StringComparison.Ordinal));
        Assert.DoesNotContain(Errors(d => d.Model.BootstrapCsv = "history.csv"), e => e.Contains("BootstrapCsv", StringComparison.Ordinal)); // trained offline per horizon
        Assert.Contains(Errors(d => { d.Model.Head = HeadKind.Binary; d.Target.Transform = TargetTransform.Raw; }),
            e => e == "Pipelines:levels:Target:Horizons: needs Model:Head = Linear or Gaussian");
        Assert.Contains(Errors(d => d.Training = new TrainingOptions { Enabled = true, WindowSteps = 24 }),
            e => e.StartsWith("Pipelines:levels:Training:WindowSteps: must be greater than Target:Horizon (the longest of Target:Horizons)", StringComparison.Ordinal));
        foreach (string error in Errors(d => d.Target.Horizons = [1, 1001]).Concat(Errors(d => d.Target.Horizon = 7)))
        {
            Assert.DoesNotContain("1001", error);
            Assert.DoesNotContain("7", error);
        }

        var shape = Definition(horizons: [1, 6, 24]).CreateShape();
        Assert.Equal(3, shape.Horizons);
        Assert.Equal(6, shape.HeadOutputSize);
        Assert.Equal(6, new TargetOptions { Horizons = [6, 24] }.Horizon);
    }

    [Theory]
    [InlineData(HeadKind.Gaussian)]
    [InlineData(HeadKind.Linear)]
    public void The_first_horizon_is_a_Horizon_1_pipelines_forecast_when_the_weights_coincide(HeadKind head)
    {
        var single = Definition(head);
        var multi = Definition(head, [1, 3]);
        var singleWeights = TestPipelines.Weights(single);
        var multiWeights = Widen(singleWeights, multi.CreateShape());
        var singleRuntime = new PipelineRuntime(single, singleWeights, TestPipelines.Clock(), null);
        var multiRuntime = new PipelineRuntime(multi, multiWeights, TestPipelines.Clock(), null);
        var singleSink = new RecordingSink();
        var multiSink = new RecordingSink();
        var records = Records(40);
        singleRuntime.Process(records, singleSink);
        multiRuntime.Process(records, multiSink);

        Assert.Equal(39, singleSink.Predictions.Count);
        Assert.Equal(singleSink.Predictions.Count, multiSink.Predictions.Count);
        string value = head == HeadKind.Gaussian ? "mean" : "value";
        for (int i = 0; i < singleSink.Predictions.Count; i++)
        {
            var withHorizons = JsonNode.Parse(multiSink.Predictions[i].Json)!.AsObject();
            var horizons = withHorizons["horizons"]!.AsArray();
            withHorizons.Remove("horizons");
            Assert.Equal(singleSink.Predictions[i].Json, withHorizons.ToJsonString());

            // Prediction i is of record t = i + 1, the key's step i + 2; horizon 3's target statistics start at t = 3, its
            // forecast with them, and it warms up until it has WarmupTargets (2) targets, at step 2 + 3.
            var top = JsonDocument.Parse(singleSink.Predictions[i].Json).RootElement;
            Assert.Equal(2, horizons.Count);
            Assert.Equal(1, (int)horizons[0]!["h"]!);
            Assert.Equal(3, (int)horizons[1]!["h"]!);
            Assert.Equal(top.GetProperty(value).GetDouble(), (double)horizons[0]![value]!);
            Assert.Equal(top.GetProperty("level").GetDouble(), (double)horizons[0]!["level"]!);
            if (i + 1 < 3)
            {
                Assert.Single(horizons[1]!.AsObject());
                continue;
            }

            double forecast = (double)horizons[1]![value]!;
            Near(X(i + 1) + forecast, (double)horizons[1]!["level"]!);
            Assert.Equal(i + 2 < 2 + 3, (bool)horizons[1]!["warming_up"]!);
            if (head == HeadKind.Gaussian && i + 2 >= 5)
            {
                double spread = (double)horizons[1]!["stddev"]!;
                Assert.True(spread > 0);
                Near(forecast + 1.959963984540054 * spread, (double)horizons[1]!["interval_95"]![1]!);
            }
        }

        // Horizon 1's forecasts of steps 2..39 are scored at steps 3..40 (38); horizon 3's of steps 4..37 at 7..40 (34).
        var summaries = multiRuntime.GetHorizonSummaries();
        Assert.Equal(singleRuntime.GetPrequentialSummary().Scored, summaries[0].Scored);
        Assert.Equal(38, summaries[0].Scored);
        Assert.Equal(34, summaries[1].Scored);
    }

    [Fact]
    public void One_horizon_listed_in_Horizons_forecasts_and_scores_exactly_as_Target_Horizon()
    {
        var single = Definition(HeadKind.Gaussian);
        single.Target.Horizon = 3;
        var listed = Definition(HeadKind.Gaussian, [3]);
        Assert.Equal(single.CreateShape(), listed.CreateShape());
        var singleRuntime = TestPipelines.Runtime(single);
        var listedRuntime = TestPipelines.Runtime(listed);
        var singleSink = new RecordingSink();
        var listedSink = new RecordingSink();
        var records = Records(30, "a").Concat(Records(30, "b", 30)).ToArray();
        singleRuntime.Process(records, singleSink);
        listedRuntime.Process(records, listedSink);

        Assert.Equal(singleSink.Predictions.Count, listedSink.Predictions.Count);
        for (int i = 0; i < singleSink.Predictions.Count; i++)
        {
            var node = JsonNode.Parse(listedSink.Predictions[i].Json)!.AsObject();
            var horizons = node["horizons"]!.AsArray();
            node.Remove("horizons");
            Assert.Equal(singleSink.Predictions[i].Json, node.ToJsonString());
            Assert.Equal(3, (int)horizons.Single()!["h"]!);
        }

        var expected = singleRuntime.GetPrequentialSummary();
        var actual = listedRuntime.GetPrequentialSummary();
        Assert.Equal((expected.Scored, expected.ModelMae, expected.ModelRmse, expected.BaselineMae, expected.Coverage80),
            (actual.Scored, actual.ModelMae, actual.ModelRmse, actual.BaselineMae, actual.Coverage80));
        Assert.Equal(singleRuntime.GetPrequentialSummary().Scored, listedRuntime.GetHorizonSummaries().Single().Scored);
    }

    [Fact]
    public void A_window_carries_each_horizons_target_at_the_step_it_was_forecast_and_NaN_until_it_arrives()
    {
        var definition = Definition(HeadKind.Linear, [1, 3], training: true);
        var runtime = TestPipelines.Runtime(definition);
        using var trainer = new OnlineTrainer(definition.Name, definition.Training, new ModelRegistry(TestPipelines.Weights(definition)), new HistoricalScheduler());
        runtime.Trainer = trainer;
        runtime.Process(Records(13), new RecordingSink());
        Assert.Equal(2, runtime.WindowsCompleted);
        Assert.True(trainer.Queue.TryDequeue(out var first));
        Assert.True(trainer.Queue.TryDequeue(out var second));
        Assert.Equal(2, first.Horizons);
        Assert.Equal(12, first.Targets.Length);

        // Independently: y_k[t] = x[t] − x[t − h_k], its running statistics after step t, z of the target h_k steps later.
        int[] horizons = [1, 3];
        double[][] statistics = [new double[3], new double[3]];
        double[,] mean = new double[13, 2];
        double[,] deviation = new double[13, 2];
        for (int t = 0; t < 13; t++)
        {
            for (int k = 0; k < 2; k++)
            {
                if (t >= horizons[k])
                {
                    RunningStatistics.Update(statistics[k], X(t) - X(t - horizons[k]), 0);
                }

                mean[t, k] = statistics[k][0] > 0 ? statistics[k][1] : double.NaN;
                deviation[t, k] = statistics[k][0] > 0 ? RunningStatistics.StandardDeviation(statistics[k], 1e-6) : double.NaN;
            }
        }

        foreach (var (window, start) in new[] { (first, 0), (second, 6) })
        {
            for (int j = 0; j < 6; j++)
            {
                bool any = false;
                for (int k = 0; k < 2; k++)
                {
                    int t = start + j, arrives = t + horizons[k];
                    float expected = j + horizons[k] < 6 && !double.IsNaN(mean[t, k])
                        ? (float)Math.Clamp((X(arrives) - X(t) - mean[t, k]) / deviation[t, k], -10, 10)
                        : float.NaN;
                    Assert.Equal(expected, window.Targets[j * 2 + k]);
                    any |= !float.IsNaN(expected);
                }

                Assert.Equal(any ? 1f : 0f, window.TargetWeights[j]);
            }
        }

        // Trained windows of several horizons go through the batched BPTT without complaint.
        var shape = definition.CreateShape();
        var bptt = new BackpropagationThroughTime(shape, 6);
        float[] gradient = new float[shape.ParameterCount];
        double loss = bptt.Accumulate(TestPipelines.Weights(definition), second.StartState, second.Inputs, second.Targets, second.TargetWeights, gradient, out double weight);
        Assert.True(double.IsFinite(loss) && weight == 5);
        first.Return();
        second.Return();
    }

    [Fact]
    public void A_restore_from_the_changelog_continues_bit_for_bit_and_journaled_windows_keep_their_horizons()
    {
        var definition = Definition(HeadKind.Gaussian, [1, 3, 5], training: true);
        var records = Records(60, "a").Concat(Records(45, "b")).OrderBy(r => r.Offset).ToArray();
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = records[i] with { Offset = i };
        }

        var uninterrupted = TestPipelines.Runtime(definition);
        var expectedSink = new RecordingSink();
        uninterrupted.Process(records, expectedSink);

        var first = TestPipelines.Runtime(definition);
        var sink = new RecordingSink();
        first.Process(records.AsSpan(0, 53), sink);
        first.FlushChangelog(sink);
        var restored = TestPipelines.Runtime(definition);
        foreach (var (partition, key, value) in sink.ChangelogRecords)
        {
            restored.Restore(partition, key, value);
        }

        restored.Process(records.AsSpan(53), sink);
        StateAssert.BitIdentical(uninterrupted, restored);
        Assert.Equal(expectedSink.Predictions.Select(p => p.Json), sink.Predictions.Select(p => p.Json));

        // The window journal writes and reads back windows of three horizons (NaN targets included).
        string directory = Path.Combine(Path.GetTempPath(), "horizons-journal-" + Guid.NewGuid().ToString("N"));
        try
        {
            var shape = definition.CreateShape();
            var pool = new TrainingWindowPool(shape.StateSize, shape.InputSize, 6, 4, horizons: 3);
            var window = pool.Rent();
            window.Clear();
            window.Targets.Fill(float.NaN);
            window.Targets[4] = 1.25f;
            window.TargetWeights[1] = 1;
            window.Sequence = 1;
            using (var journal = new WindowJournal(directory, shape.StateSize, shape.InputSize, 6, horizons: 3))
            {
                journal.Append(window);
                journal.Write();
            }

            using var reopened = new WindowJournal(directory, shape.StateSize, shape.InputSize, 6, horizons: 3);
            var back = new List<TrainingWindow>();
            reopened.Recover(pool, back.Add);
            Assert.Single(back);
            Assert.Equal(StateAssert.Bits(window.Targets.ToArray()), StateAssert.Bits(back[0].Targets.ToArray()));

            // A journal of single-horizon windows is of another shape.
            using var other = new WindowJournal(directory, shape.StateSize, shape.InputSize, 6);
            var problems = new List<string>();
            Assert.Equal(0, other.Recover(new TrainingWindowPool(shape.StateSize, shape.InputSize, 6, 4), _ => { }, (_, p) => problems.Add(p)).Recovered);
            Assert.Single(problems);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Derived numbers are written with 9 significant digits.</summary>
    private static void Near(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-8 * Math.Abs(expected), $"{actual} is not {expected} to 9 digits");

    /// <summary>Weights of the K-horizon shape whose layers and first horizon's head rows are the one-horizon weights'.</summary>
    private static ModelWeights Widen(ModelWeights single, ModelShape shape)
    {
        int hidden = shape.HiddenSize, k = shape.Horizons, offset = shape.HeadParameterOffset;
        float[] parameters = new float[shape.ParameterCount];
        var from = single.Parameters;
        from[..offset].CopyTo(parameters);
        int singleOutputs = single.Shape.HeadOutputSize, outputs = shape.HeadOutputSize;
        for (int o = 0; o < outputs; o++)
        {
            // Gaussian [μ_1..μ_K, s_1..s_K] ← [μ, s]; Linear [ŷ_1..ŷ_K] ← [ŷ]. Later horizons copy the first, slightly changed.
            int source = singleOutputs == 2 && o >= k ? 1 : 0;
            float scale = o % k == 0 ? 1f : 0.9f;
            for (int j = 0; j < hidden; j++)
            {
                parameters[offset + o * hidden + j] = scale * from[offset + source * hidden + j];
            }

            parameters[offset + outputs * hidden + o] = from[offset + singleOutputs * hidden + source];
        }

        return ModelWeights.FromParameters(shape, parameters, single.Version);
    }
}
