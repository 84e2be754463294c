using StreamRnn.Core.Tests.Reference;

namespace StreamRnn.Core.Tests;

/// <summary>
/// Several horizons in one head (<see cref="ModelShape.Horizons"/> K = 3): Linear K outputs, Gaussian [μ_1..μ_K, s_1..s_K];
/// the loss is the sum of the per-horizon losses, a NaN target meaning "unknown" (no loss, no gradient). Checked like the
/// one-horizon heads: the double reference against finite differences, the float gradient against the reference, the
/// batched BPTT against the per-window one, StepBatch against Step bit for bit, no allocation, and the weight file's
/// version 2 header.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HorizonTests
{
    private const int K = 3;
    private const int Steps = 6;

    public static TheoryData<CellKind, int, HeadKind, int> Shapes()
    {
        var data = new TheoryData<CellKind, int, HeadKind, int>();
        foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            data.Add(cell, 1, HeadKind.Linear, 0);
            data.Add(cell, 2, HeadKind.Gaussian, 0);
        }

        // With the highway (the last A inputs straight into every horizon's outputs) as well.
        data.Add(CellKind.Lstm, 1, HeadKind.Linear, 2);
        data.Add(CellKind.Gru, 2, HeadKind.Gaussian, 3);
        data.Add(CellKind.Rnn, 1, HeadKind.Gaussian, 1);

        return data;
    }

    private sealed record Window(ModelShape Shape, ModelWeights Weights, float[] Start, float[] Inputs, float[] Targets, float[] TargetWeights)
    {
        public double[][] InputRows()
        {
            double[][] rows = new double[TargetWeights.Length][];
            for (int t = 0; t < rows.Length; t++)
            {
                rows[t] = TestValues.ToDouble(Inputs.AsSpan(t * Shape.InputSize, Shape.InputSize));
            }

            return rows;
        }
    }

    /// <summary>k × K targets with the later horizons of the last steps unknown (NaN), as a training window has them.</summary>
    private static Window MakeWindow(CellKind cell, int layers, HeadKind head, int seed, int windows = 1, int highway = 0)
    {
        var shape = new ModelShape(cell, 3, 5, layers, head, HighwayInputs: highway, Horizons: K);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, seed, 0.8f), 1);
        float[] start = TestValues.Uniform(windows * shape.StateSize, seed + 1, 0.7f);
        float[] inputs = TestValues.Uniform(windows * Steps * shape.InputSize, seed + 2, 1.5f);
        float[] targets = TestValues.Uniform(windows * Steps * K, seed + 3, 1f);
        float[] targetWeights = new float[windows * Steps];
        for (int b = 0; b < windows; b++)
        {
            for (int t = 0; t < Steps; t++)
            {
                int i = b * Steps + t;
                targetWeights[i] = t == 1 ? 0f : t == 3 ? 0.5f : 1f;
                for (int k = 0; k < K; k++)
                {
                    // Horizon k is known for the steps at least k + 1 before the window's end; step 1 has weight 0.
                    if (t + k + 1 >= Steps || t == 1)
                    {
                        targets[i * K + k] = float.NaN;
                    }
                }
            }
        }

        return new Window(shape, weights, start, inputs, targets, targetWeights);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Reference_gradient_with_three_horizons_and_masked_targets_matches_finite_differences(CellKind cell, int layers, HeadKind head, int highway)
    {
        var w = MakeWindow(cell, layers, head, 17, highway: highway);
        var reference = ReferenceNetwork.From(w.Weights);
        double[] start = TestValues.ToDouble(w.Start);
        double[][] inputs = w.InputRows();
        double[] targets = TestValues.ToDouble(w.Targets);
        double[] weights = TestValues.ToDouble(w.TargetWeights);
        double[] analytic = new double[w.Shape.ParameterCount];
        reference.LossAndGradient(start, inputs, targets, weights, analytic);
        Assert.True(analytic.Max(Math.Abs) > 1e-2, "the check needs a non-trivial gradient");

        double[] p = reference.Parameters;
        const double h = 1e-6;
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + h;
            double plus = reference.Loss(start, inputs, targets, weights);
            p[i] = saved - h;
            double minus = reference.Loss(start, inputs, targets, weights);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-7 + 1e-6 * Math.Abs(numeric),
                $"parameter {i}: analytic {analytic[i]:R}, finite difference {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_gradient_with_three_horizons_matches_the_double_reference(CellKind cell, int layers, HeadKind head, int highway)
    {
        var w = MakeWindow(cell, layers, head, 29, highway: highway);
        var reference = ReferenceNetwork.From(w.Weights);
        double[] expected = new double[w.Shape.ParameterCount];
        double expectedLoss = reference.LossAndGradient(TestValues.ToDouble(w.Start), w.InputRows(), TestValues.ToDouble(w.Targets),
            TestValues.ToDouble(w.TargetWeights), expected);

        var trainer = new BackpropagationThroughTime(w.Shape, 10);
        float[] gradient = new float[w.Shape.ParameterCount];
        double loss = trainer.Accumulate(w.Weights, w.Start, w.Inputs, w.Targets, w.TargetWeights, gradient, out double weightSum);

        Assert.Equal(4.5, weightSum);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-5 * (1 + Math.Abs(expectedLoss)), $"loss {loss} vs reference {expectedLoss}");
        TestValues.Close(expected, gradient, 3e-5 * expected.Max(Math.Abs), 1e-4, "gradient");
        Assert.Equal(loss, trainer.Evaluate(w.Weights, w.Start, w.Inputs, w.Targets, w.TargetWeights, out _));
    }

    [Theory]
    [InlineData(HeadKind.Linear)]
    [InlineData(HeadKind.Gaussian)]
    public void A_horizon_whose_targets_are_all_unknown_gets_no_gradient_and_adds_no_loss(HeadKind head)
    {
        var w = MakeWindow(CellKind.Lstm, 1, head, 5);
        int hidden = w.Shape.HiddenSize, offset = w.Shape.HeadParameterOffset, outputs = w.Shape.HeadOutputSize;
        float[] masked = (float[])w.Targets.Clone();
        for (int t = 0; t < Steps; t++)
        {
            masked[t * K + 1] = float.NaN;
        }

        var trainer = new BackpropagationThroughTime(w.Shape, Steps);
        float[] gradient = new float[w.Shape.ParameterCount];
        double loss = trainer.Accumulate(w.Weights, w.Start, w.Inputs, masked, w.TargetWeights, gradient, out _);

        // Horizon 1's head rows (Linear: output 1; Gaussian: μ_2 and s_2) and biases get exactly nothing.
        int[] rows = head == HeadKind.Gaussian ? [1, K + 1] : [1];
        foreach (int o in rows)
        {
            Assert.All(gradient.AsSpan(offset + o * hidden, hidden).ToArray(), g => Assert.Equal(0f, g));
            Assert.Equal(0f, gradient[offset + outputs * hidden + o]);
        }

        // The loss is the reference's on the remaining horizons; a horizon known nowhere counts nothing.
        double expected = ReferenceNetwork.From(w.Weights).Loss(TestValues.ToDouble(w.Start), w.InputRows(), TestValues.ToDouble(masked),
            TestValues.ToDouble(w.TargetWeights));
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * (1 + Math.Abs(expected)));

        // Every target of a weighted step unknown: loss 0, gradient 0; ±Inf is still rejected.
        float[] none = new float[Steps * K];
        Array.Fill(none, float.NaN);
        float[] zero = new float[w.Shape.ParameterCount];
        Assert.Equal(0, trainer.Accumulate(w.Weights, w.Start, w.Inputs, none, w.TargetWeights, zero, out _));
        Assert.All(zero, g => Assert.Equal(0f, g));
        none[0] = float.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => trainer.Accumulate(w.Weights, w.Start, w.Inputs, none, w.TargetWeights, zero, out _));
        Assert.Throws<ArgumentException>(() => trainer.Accumulate(w.Weights, w.Start, w.Inputs, none.AsSpan(1), w.TargetWeights, zero, out _));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Batched_BPTT_with_three_horizons_gives_the_per_window_losses_bit_for_bit(CellKind cell, int layers, HeadKind head, int highway)
    {
        const int windows = 5;
        var w = MakeWindow(cell, layers, head, 41, windows, highway);
        var shape = w.Shape;
        var single = new BackpropagationThroughTime(shape, Steps);
        float[] expected = new float[shape.ParameterCount];
        double expectedLoss = 0, expectedWeight = 0;
        for (int b = 0; b < windows; b++)
        {
            expectedLoss += single.Accumulate(w.Weights, w.Start.AsSpan(b * shape.StateSize, shape.StateSize),
                w.Inputs.AsSpan(b * Steps * shape.InputSize, Steps * shape.InputSize), w.Targets.AsSpan(b * Steps * K, Steps * K),
                w.TargetWeights.AsSpan(b * Steps, Steps), expected, out double weight);
            expectedWeight += weight;
        }

        var batched = new BatchedBackpropagationThroughTime(shape, Steps + 2, windows + 3);
        float[] actual = new float[shape.ParameterCount];
        double loss = batched.Accumulate(w.Weights, windows, Steps, w.Start, w.Inputs, w.Targets, w.TargetWeights, actual, out double weightSum);

        Assert.Equal(expectedLoss, loss);
        Assert.Equal(expectedWeight, weightSum);
        TestValues.Close(TestValues.ToDouble(expected), actual, 2e-5 * expected.Max(Math.Abs), 2e-5, "gradient");
        Assert.Equal(expectedLoss, batched.Evaluate(w.Weights, windows, Steps, w.Start, w.Inputs, w.Targets, w.TargetWeights, out _));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void StepBatch_with_three_horizons_equals_single_steps_bit_for_bit_and_matches_the_reference(CellKind cell, int layers, HeadKind head, int highway)
    {
        var shape = new ModelShape(cell, 3, 9, layers, head, HighwayInputs: highway, Horizons: K);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 3, 0.9f), 1);
        const int batch = 7;
        int o = shape.HeadOutputSize;
        Assert.Equal(head == HeadKind.Gaussian ? 2 * K : K, o);
        float[] inputs = TestValues.Uniform(batch * 3, 4, 1.5f);
        float[] states = TestValues.Uniform(batch * shape.StateSize, 5, 0.5f);
        float[] singleStates = (float[])states.Clone();
        float[] outputs = new float[batch * o];
        float[] singleOutputs = new float[batch * o];
        var network = new RecurrentNetwork(shape, batch);
        network.StepBatch(weights, inputs, states, outputs, new StepStatus[batch], batch);
        var reference = ReferenceNetwork.From(weights);
        for (int b = 0; b < batch; b++)
        {
            double[] expectedHead = new double[o];
            reference.Step(TestValues.ToDouble(singleStates.AsSpan(b * shape.StateSize, shape.StateSize)),
                TestValues.ToDouble(inputs.AsSpan(b * 3, 3)), expectedHead);
            Assert.Equal(StepStatus.Ok, network.Step(weights, inputs.AsSpan(b * 3, 3), singleStates.AsSpan(b * shape.StateSize, shape.StateSize),
                singleOutputs.AsSpan(b * o, o)));
            TestValues.Close(expectedHead, singleOutputs.AsSpan(b * o, o), 1e-5, 1e-5, "head output");
        }

        TestValues.BitEqual(singleStates, states, "states");
        TestValues.BitEqual(singleOutputs, outputs, "head outputs");
    }

    [Theory]
    [InlineData(HeadKind.Linear)]
    [InlineData(HeadKind.Gaussian)]
    public void Steps_and_training_with_three_horizons_allocate_nothing(HeadKind head)
    {
        var shape = new ModelShape(CellKind.Gru, 4, 16, 1, head, Horizons: K);
        var weights = ModelWeights.Initialize(shape, 1);
        const int batch = 5;
        var network = new RecurrentNetwork(shape, batch);
        float[] inputs = TestValues.Uniform(batch * 4, 1);
        float[] states = new float[batch * shape.StateSize];
        float[] outputs = new float[batch * shape.HeadOutputSize];
        var statuses = new StepStatus[batch];
        var trainer = new BackpropagationThroughTime(shape, 8);
        var batched = new BatchedBackpropagationThroughTime(shape, 8, 2);
        float[] starts = new float[2 * shape.StateSize];
        float[] window = TestValues.Uniform(2 * 8 * 4, 2);
        float[] targets = TestValues.Uniform(2 * 8 * K, 3);
        targets[5] = float.NaN;
        float[] targetWeights = [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1];
        float[] gradient = new float[shape.ParameterCount];

        void Work()
        {
            network.Step(weights, inputs.AsSpan(0, 4), states.AsSpan(0, shape.StateSize), outputs.AsSpan(0, shape.HeadOutputSize));
            network.StepBatch(weights, inputs, states, outputs, statuses, batch);
            trainer.Accumulate(weights, starts.AsSpan(0, shape.StateSize), window.AsSpan(0, 32), targets.AsSpan(0, 8 * K), targetWeights.AsSpan(0, 8), gradient, out _);
            trainer.Evaluate(weights, starts.AsSpan(0, shape.StateSize), window.AsSpan(0, 32), targets.AsSpan(0, 8 * K), targetWeights.AsSpan(0, 8), out _);
            batched.Accumulate(weights, 2, 8, starts, window, targets, targetWeights, gradient, out _);
            GradientClipping.ClipByGlobalNorm(gradient, 1f);
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

    [Fact]
    public void Shapes_validate_horizons_and_size_the_head()
    {
        Assert.Equal(K, new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Linear, Horizons: K).HeadOutputSize);
        Assert.Equal(2 * K, new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Gaussian, Horizons: K).HeadOutputSize);
        new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Linear, Horizons: ModelShape.MaxHorizons).Validate();
        foreach (var bad in new[]
        {
            new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Linear, Horizons: 0),
            new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Linear, Horizons: ModelShape.MaxHorizons + 1),
            new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Binary, Horizons: 2),
            new ModelShape(CellKind.Gru, 2, 4, 1, HeadKind.Categorical, Classes: 3, Horizons: 2),
        })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(bad.Validate);
            Assert.Equal(nameof(ModelShape.Horizons), e.ParamName);
        }
    }

    [Theory]
    [InlineData(HeadKind.Linear)]
    [InlineData(HeadKind.Gaussian)]
    public void Weight_files_write_version_1_for_one_horizon_and_version_2_with_the_horizons_otherwise(HeadKind head)
    {
        var one = ModelWeights.Initialize(new ModelShape(CellKind.Lstm, 2, 4, 1, head), 3, 7);
        var bytes = new MemoryStream();
        one.WriteTo(bytes);
        byte[] v1 = bytes.ToArray();
        Assert.Equal(1, BitConverter.ToUInt16(v1, 4));
        Assert.Equal(32 + 4 * one.Shape.ParameterCount + 4, v1.Length);

        var shape = new ModelShape(CellKind.Lstm, 2, 4, 1, head, Horizons: K);
        var three = ModelWeights.Initialize(shape, 3, 9);
        bytes = new MemoryStream();
        three.WriteTo(bytes);
        byte[] v2 = bytes.ToArray();
        Assert.Equal(2, BitConverter.ToUInt16(v2, 4));
        Assert.Equal(0, BitConverter.ToInt32(v2, 32));
        Assert.Equal(K, BitConverter.ToInt32(v2, 36));
        Assert.Equal(40 + 4 * shape.ParameterCount + 4, v2.Length);
        var read = ModelWeights.ReadFrom(new MemoryStream(v2), shape);
        Assert.Equal(shape, read.Shape);
        Assert.Equal(9, read.Version);
        TestValues.BitEqual(three.Parameters, read.Parameters, "parameters");

        // A version-1 file reads as one horizon; a corrupted horizon count is a corrupted header; a flipped parameter a bad checksum.
        Assert.Equal(1, ModelWeights.ReadFrom(new MemoryStream(v1)).Shape.Horizons);
        byte[] corrupt = (byte[])v2.Clone();
        BitConverter.TryWriteBytes(corrupt.AsSpan(36), 0);
        Assert.StartsWith("Corrupted header", Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(corrupt))).Message);
        corrupt = (byte[])v2.Clone();
        corrupt[44] ^= 1;
        Assert.StartsWith("Checksum mismatch", Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(corrupt))).Message);
        Assert.StartsWith("Truncated file", Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(v2[..38]))).Message);
    }
}
