using StreamRnn.Core.Tests.Reference;

namespace StreamRnn.Core.Tests;

/// <summary>
/// The highway (<see cref="ModelShape.HighwayInputs"/> A &gt; 0: the last A inputs feed every head output linearly,
/// W_hw after b_out): seeded initialisation equals the network without it (W_hw = 0, the rest the same bits); the float
/// step equals the double reference; the reference gradient equals central finite differences for every head; the float
/// per-window and batched TBPTT gradients equal the reference's; StepBatch is bit-identical to Step; the batched loss is
/// bit-identical to the per-window one; widening a model without a highway keeps its outputs; no allocation per call.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HighwayTests
{
    private const int Steps = 6;
    private const int Classes = 3;

    public static TheoryData<CellKind, int, HeadKind, int> Shapes()
    {
        var data = new TheoryData<CellKind, int, HeadKind, int>();
        foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            foreach (var head in new[] { HeadKind.Linear, HeadKind.Gaussian, HeadKind.Binary, HeadKind.Categorical })
            {
                data.Add(cell, 1, head, 3);
            }

            data.Add(cell, 2, HeadKind.Gaussian, 4);
            data.Add(cell, 2, HeadKind.Categorical, 1);
        }

        return data;
    }

    private static ModelShape Shape(CellKind cell, int layers, HeadKind head, int highway, int hidden = 5, int inputs = 4) =>
        new(cell, inputs, hidden, layers, head, head == HeadKind.Categorical ? Classes : 0, highway);

    private static (float[] Targets, float[] Weights) Targets(HeadKind head, int count, int seed)
    {
        float[] targets = TestValues.Uniform(count, seed, 1f);
        float[] weights = new float[count];
        for (int i = 0; i < count; i++)
        {
            targets[i] = head switch
            {
                HeadKind.Binary => targets[i] > 0 ? 1f : 0f,
                HeadKind.Categorical => Math.Clamp((int)((targets[i] + 1f) * 1.5f), 0, Classes - 1),
                _ => targets[i],
            };
            weights[i] = (i % 5) switch { 1 => 0f, 3 => 0.5f, 4 => 2f, _ => 1f };
            if (weights[i] == 0)
            {
                targets[i] = float.NaN;
            }
        }

        return (targets, weights);
    }

    private static double[][] Rows(float[] inputs, int offset, int steps, int inputSize)
    {
        double[][] rows = new double[steps][];
        for (int t = 0; t < steps; t++)
        {
            rows[t] = TestValues.ToDouble(inputs.AsSpan(offset + t * inputSize, inputSize));
        }

        return rows;
    }

    [Theory]
    [InlineData(CellKind.Rnn, HeadKind.Linear)]
    [InlineData(CellKind.Lstm, HeadKind.Gaussian)]
    [InlineData(CellKind.Gru, HeadKind.Categorical)]
    [InlineData(CellKind.Lstm, HeadKind.Binary)]
    public void Seeded_initialisation_equals_the_network_without_highway_and_the_highway_starts_at_zero(CellKind cell, HeadKind head)
    {
        var plain = Shape(cell, 2, head, 0, hidden: 9, inputs: 6);
        var wide = plain with { HighwayInputs = 6 };
        var a = ModelWeights.Initialize(plain, 42);
        var b = ModelWeights.Initialize(wide, 42);
        Assert.Equal(plain.ParameterCount + plain.HeadOutputSize * 6, wide.ParameterCount);
        Assert.Equal(plain.ParameterCount, wide.HighwayParameterOffset);
        TestValues.BitEqual(a.Parameters, b.Parameters[..plain.ParameterCount], "shared parameters");
        Assert.All(b.Parameters[plain.ParameterCount..].ToArray(), v => Assert.Equal(0f, v));

        var n1 = new RecurrentNetwork(plain, 1);
        var n2 = new RecurrentNetwork(wide, 1);
        float[] s1 = new float[plain.StateSize], s2 = new float[wide.StateSize];
        float[] o1 = new float[plain.HeadOutputSize], o2 = new float[wide.HeadOutputSize];
        for (int t = 0; t < 10; t++)
        {
            float[] x = TestValues.Uniform(plain.InputSize, 300 + t, 2f);
            n1.Step(a, x, s1, o1);
            n2.Step(b, x, s2, o2);
            TestValues.BitEqual(s1, s2, $"state at step {t}");
            TestValues.BitEqual(o1, o2, $"output at step {t}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_step_matches_the_double_reference(CellKind cell, int layers, HeadKind head, int highway)
    {
        var shape = Shape(cell, layers, head, highway, hidden: 19);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 7, 0.3f), 1);
        var reference = ReferenceNetwork.From(weights);
        var network = new RecurrentNetwork(shape, 1);
        float[] state = TestValues.Uniform(shape.StateSize, 11, 0.5f);
        double[] referenceState = TestValues.ToDouble(state);
        float[] output = new float[shape.HeadOutputSize];
        double[] referenceOutput = new double[shape.HeadOutputSize];
        for (int t = 0; t < 12; t++)
        {
            float[] x = TestValues.Uniform(shape.InputSize, 100 + t, 2f);
            Assert.Equal(StepStatus.Ok, network.Step(weights, x, state, output));
            referenceState = reference.Step(referenceState, TestValues.ToDouble(x), referenceOutput);
            TestValues.Close(referenceState, state, 2e-6, 2e-5, $"state at step {t}");
            TestValues.Close(referenceOutput, output, 2e-6, 2e-5, $"head at step {t}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reference_gradient_matches_finite_differences(CellKind cell, int layers, HeadKind head, int highway)
    {
        var shape = Shape(cell, layers, head, highway);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 17, 0.8f), 1);
        var reference = ReferenceNetwork.From(weights);
        double[] start = TestValues.ToDouble(TestValues.Uniform(shape.StateSize, 18, 0.7f));
        double[][] inputs = Rows(TestValues.Uniform(Steps * shape.InputSize, 19, 1.5f), 0, Steps, shape.InputSize);
        var (t, w) = Targets(head, Steps, 20);
        double[] targets = TestValues.ToDouble(t), targetWeights = TestValues.ToDouble(w);
        double[] analytic = new double[shape.ParameterCount];
        reference.LossAndGradient(start, inputs, targets, targetWeights, analytic);
        double[] p = reference.Parameters;
        const double h = 1e-6;
        for (int i = shape.HighwayParameterOffset; i < p.Length; i++)
        {
            Assert.True(Math.Abs(analytic[i]) > 1e-3, $"highway parameter {i} needs a non-trivial gradient");
        }

        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + h;
            double plus = reference.Loss(start, inputs, targets, targetWeights);
            p[i] = saved - h;
            double minus = reference.Loss(start, inputs, targets, targetWeights);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-7 + 1e-6 * Math.Abs(numeric),
                $"parameter {i}: analytic {analytic[i]:R}, finite difference {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_per_window_and_batched_gradients_match_the_double_reference(CellKind cell, int layers, HeadKind head, int highway)
    {
        const int windows = 4;
        var shape = Shape(cell, layers, head, highway);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 29, 0.8f), 1);
        float[] starts = TestValues.Uniform(windows * shape.StateSize, 30, 0.7f);
        float[] inputs = TestValues.Uniform(windows * Steps * shape.InputSize, 31, 1.5f);
        var (targets, targetWeights) = Targets(head, windows * Steps, 32);
        var reference = ReferenceNetwork.From(weights);
        double[] expected = new double[shape.ParameterCount];
        var single = new BackpropagationThroughTime(shape, Steps);
        float[] perWindow = new float[shape.ParameterCount];
        double expectedLoss = 0, singleLoss = 0;
        for (int b = 0; b < windows; b++)
        {
            var start = starts.AsSpan(b * shape.StateSize, shape.StateSize);
            var x = inputs.AsSpan(b * Steps * shape.InputSize, Steps * shape.InputSize);
            var y = targets.AsSpan(b * Steps, Steps);
            var w = targetWeights.AsSpan(b * Steps, Steps);
            expectedLoss += reference.LossAndGradient(TestValues.ToDouble(start), Rows(inputs, b * Steps * shape.InputSize, Steps, shape.InputSize),
                TestValues.ToDouble(y), TestValues.ToDouble(w), expected);
            singleLoss += single.Accumulate(weights, start, x, y, w, perWindow, out _);
        }

        double scale = expected.Max(Math.Abs);
        Assert.True(Math.Abs(singleLoss - expectedLoss) <= 1e-5 * (1 + Math.Abs(expectedLoss)), $"loss {singleLoss} vs reference {expectedLoss}");
        TestValues.Close(expected, perWindow, 3e-5 * scale, 1e-4, "per-window gradient");

        var batched = new BatchedBackpropagationThroughTime(shape, Steps + 1, windows + 2);
        float[] gradient = new float[shape.ParameterCount];
        double batchedLoss = batched.Accumulate(weights, windows, Steps, starts, inputs, targets, targetWeights, gradient, out _);
        Assert.Equal(singleLoss, batchedLoss);
        TestValues.Close(expected, gradient, 3e-5 * scale, 1e-4, "batched gradient");
        TestValues.Close(TestValues.ToDouble(perWindow), gradient, 2e-5 * scale, 2e-5, "batched vs per-window gradient");
        Assert.Equal(batchedLoss, batched.Evaluate(weights, windows, Steps, starts, inputs, targets, targetWeights, out _));
    }

    [Theory]
    [InlineData(CellKind.Lstm, 1, 1)]
    [InlineData(CellKind.Lstm, 9, 8)]
    [InlineData(CellKind.Gru, 17, 9)]
    [InlineData(CellKind.Rnn, 33, 33)]
    [InlineData(CellKind.Lstm, 64, 40)]
    public void StepBatch_is_bit_identical_to_single_steps(CellKind cell, int batch, int highway)
    {
        foreach (var head in new[] { HeadKind.Linear, HeadKind.Gaussian, HeadKind.Binary, HeadKind.Categorical })
        {
            var shape = Shape(cell, 2, head, highway, hidden: 17, inputs: highway + 2);
            var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, batch + highway, 0.4f), 1);
            int s = shape.StateSize, o = shape.HeadOutputSize, i = shape.InputSize;
            float[] batched = TestValues.Uniform(batch * s, batch + 3);
            float[] single = (float[])batched.Clone();
            float[] batchedOut = new float[batch * o], singleOut = new float[batch * o];
            var statuses = new StepStatus[batch];
            var network = new RecurrentNetwork(shape, batch);
            for (int step = 0; step < 3; step++)
            {
                float[] inputs = TestValues.Uniform(batch * i, 1000 * step + batch, 2f);
                Assert.Equal(0, network.StepBatch(weights, inputs, batched, batchedOut, statuses, batch));
                for (int b = 0; b < batch; b++)
                {
                    Assert.Equal(StepStatus.Ok, network.Step(weights, inputs.AsSpan(b * i, i), single.AsSpan(b * s, s), singleOut.AsSpan(b * o, o)));
                }

                TestValues.BitEqual(single, batched, $"{head} states, step {step}");
                TestValues.BitEqual(singleOut, batchedOut, $"{head} head outputs, step {step}");
            }
        }
    }

    [Fact]
    public void Widening_a_model_without_highway_keeps_its_outputs_and_refuses_other_differences()
    {
        var plain = Shape(CellKind.Lstm, 1, HeadKind.Gaussian, 0, hidden: 8);
        var wide = plain with { HighwayInputs = plain.InputSize };
        var weights = ModelWeights.FromParameters(plain, TestValues.Uniform(plain.ParameterCount, 3, 0.5f), 17);
        var widened = weights.WidenHighway(wide);
        Assert.Same(weights, weights.WidenHighway(plain));
        Assert.Equal(wide, widened.Shape);
        Assert.Equal(17, widened.Version);
        Assert.True(ModelWeights.CanWidenHighway(plain, wide));
        Assert.False(ModelWeights.CanWidenHighway(wide, plain));
        Assert.False(ModelWeights.CanWidenHighway(plain, wide with { HiddenSize = 9 }));
        Assert.Throws<ArgumentException>(() => widened.WidenHighway(plain));
        Assert.Throws<ArgumentException>(() => weights.WidenHighway(wide with { Head = HeadKind.Linear }));

        var n1 = new RecurrentNetwork(plain, 1);
        var n2 = new RecurrentNetwork(wide, 1);
        float[] s1 = new float[plain.StateSize], s2 = new float[wide.StateSize], o1 = new float[2], o2 = new float[2];
        for (int t = 0; t < 5; t++)
        {
            float[] x = TestValues.Uniform(plain.InputSize, 50 + t, 2f);
            n1.Step(weights, x, s1, o1);
            n2.Step(widened, x, s2, o2);
            TestValues.BitEqual(o1, o2, $"output at step {t}");
        }
    }

    [Fact]
    public void HighwayInputs_outside_0_to_InputSize_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Shape(CellKind.Lstm, 1, HeadKind.Linear, 5).Validate());
        Assert.Equal(nameof(ModelShape.HighwayInputs), e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Shape(CellKind.Lstm, 1, HeadKind.Linear, -1).Validate());
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Steps_and_training_allocate_nothing(CellKind cell)
    {
        var shape = Shape(cell, 2, HeadKind.Gaussian, 4, hidden: 24);
        var weights = ModelWeights.Initialize(shape, 1);
        const int batch = 13, windows = 5;
        var network = new RecurrentNetwork(shape, batch);
        float[] inputs = TestValues.Uniform(batch * 4, 1);
        float[] states = new float[batch * shape.StateSize];
        float[] outputs = new float[batch * 2];
        var statuses = new StepStatus[batch];
        var trainer = new BackpropagationThroughTime(shape, 8);
        var batched = new BatchedBackpropagationThroughTime(shape, 8, windows);
        float[] starts = new float[windows * shape.StateSize];
        float[] window = TestValues.Uniform(windows * 8 * 4, 2);
        var (targets, targetWeights) = Targets(HeadKind.Gaussian, windows * 8, 3);
        float[] gradient = new float[shape.ParameterCount];

        void Work()
        {
            network.Step(weights, inputs.AsSpan(0, 4), states.AsSpan(0, shape.StateSize), outputs.AsSpan(0, 2));
            network.StepBatch(weights, inputs, states, outputs, statuses, batch);
            trainer.Accumulate(weights, starts.AsSpan(0, shape.StateSize), window.AsSpan(0, 32), targets.AsSpan(0, 8), targetWeights.AsSpan(0, 8), gradient, out _);
            trainer.Evaluate(weights, starts.AsSpan(0, shape.StateSize), window.AsSpan(0, 32), targets.AsSpan(0, 8), targetWeights.AsSpan(0, 8), out _);
            batched.Accumulate(weights, windows, 8, starts, window, targets, targetWeights, gradient, out _);
        }

        for (int i = 0; i < 20; i++)
        {
            Work();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Work();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
