using System.Buffers.Binary;
using StreamRnn.Core.Heads;
using StreamRnn.Core.Tests.Reference;

namespace StreamRnn.Core.Tests;

/// <summary>
/// The Categorical head (K logits, softmax, cross-entropy against a class index): the loss is stable for extreme
/// logits; the double reference's gradient equals central finite differences; the float per-window and batched TBPTT
/// gradients equal the reference's; the batched loss is bit-identical to the per-window one; the forward step equals the
/// reference; a weight file keeps K; bad class targets and shapes are refused; no allocation per call.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CategoricalHeadTests
{
    private const int Classes = 4;
    private const int Steps = 6;

    public static TheoryData<CellKind, int> Cells()
    {
        var data = new TheoryData<CellKind, int>();
        foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            data.Add(cell, 1);
            data.Add(cell, 2);
        }

        return data;
    }

    private static ModelShape Shape(CellKind cell, int layers, int hidden = 5) =>
        new(cell, 3, hidden, layers, HeadKind.Categorical, Classes);

    /// <summary>Class-index targets 0..K−1; weight-0 steps carry NaN (ignored).</summary>
    private static (float[] Targets, float[] Weights) Labels(int count, int seed)
    {
        float[] u = TestValues.Uniform(count, seed, 1f);
        float[] targets = new float[count];
        float[] weights = new float[count];
        for (int i = 0; i < count; i++)
        {
            targets[i] = Math.Clamp((int)((u[i] + 1f) * 2f), 0, Classes - 1);
            weights[i] = (i % 5) switch { 1 => 0f, 3 => 0.5f, 4 => 2f, _ => 1f };
            if (weights[i] == 0)
            {
                targets[i] = float.NaN;
            }
        }

        return (targets, weights);
    }

    [Fact]
    public void LossIsTheCrossEntropyOfTheSoftmaxAndItsGradientIsPMinusOneHot()
    {
        float[] logits = [0.5f, -1.25f, 2f, 0.1f];
        float[] d = new float[Classes];
        double sum = logits.Sum(z => Math.Exp(z));
        double loss = CategoricalHead.Loss(logits, 2f, 1.5f, d);
        Assert.Equal(1.5 * -Math.Log(Math.Exp(2) / sum), loss, 12);
        for (int i = 0; i < Classes; i++)
        {
            Assert.Equal(1.5 * (Math.Exp(logits[i]) / sum - (i == 2 ? 1 : 0)), d[i], 6);
        }

        float[] p = new float[Classes];
        HeadOutput.Probabilities(logits, p);
        Assert.Equal(1.0, p.Sum(x => (double)x), 6);
        Assert.Equal(Math.Exp(0.5) / sum, p[0], 6);
    }

    [Theory]
    [InlineData(1000f, 0)]
    [InlineData(1000f, 1)]
    [InlineData(-1000f, 0)]
    public void LossIsStableForExtremeLogits(float big, int target)
    {
        float[] logits = [big, 0f, -3f, 1f];
        float[] d = new float[Classes];
        double loss = CategoricalHead.Loss(logits, target, 1f, d);
        Assert.True(double.IsFinite(loss));
        Assert.All(d, g => Assert.True(float.IsFinite(g)));

        // Exact limits: the right big class costs 0, a wrong one the logit gap.
        double expected = big > 0 ? (target == 0 ? 0 : big) : Math.Log(1 + Math.Exp(-3) + Math.Exp(1)) - (target == 0 ? big : 0);
        Assert.Equal(expected, loss, 3);
        float[] p = new float[Classes];
        HeadOutput.Probabilities(logits, p);
        Assert.All(p, v => Assert.True(v is >= 0f and <= 1f));
        HeadOutput.Probabilities([float.NaN, 0f, 0f, 0f], p);
        Assert.All(p, v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void ReferenceGradientMatchesFiniteDifferences(CellKind cell, int layers)
    {
        var shape = Shape(cell, layers);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 17, 0.8f), 1);
        var reference = ReferenceNetwork.From(weights);
        double[] start = TestValues.ToDouble(TestValues.Uniform(shape.StateSize, 18, 0.7f));
        double[][] inputs = Rows(TestValues.Uniform(Steps * shape.InputSize, 19, 1.5f), shape, 0, Steps);
        (float[] t, float[] w) = Labels(Steps, 20);
        double[] targets = TestValues.ToDouble(t), targetWeights = TestValues.ToDouble(w);
        double[] analytic = new double[shape.ParameterCount];
        reference.LossAndGradient(start, inputs, targets, targetWeights, analytic);
        Assert.True(analytic.Max(Math.Abs) > 1e-2, "the check needs a non-trivial gradient");
        double[] p = reference.Parameters;
        const double h = 1e-6;
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
    [MemberData(nameof(Cells))]
    public void FloatAndBatchedGradientsMatchTheReferenceAndBatchedLossIsBitIdentical(CellKind cell, int layers)
    {
        const int windows = 3;
        var shape = Shape(cell, layers);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 29, 0.8f), 1);
        float[] starts = TestValues.Uniform(windows * shape.StateSize, 30, 0.7f);
        float[] inputs = TestValues.Uniform(windows * Steps * shape.InputSize, 31, 1.5f);
        (float[] targets, float[] targetWeights) = Labels(windows * Steps, 32);
        var reference = ReferenceNetwork.From(weights);
        double[] expected = new double[shape.ParameterCount];
        var single = new BackpropagationThroughTime(shape, Steps);
        float[] perWindow = new float[shape.ParameterCount];
        double expectedLoss = 0, singleLoss = 0, singleWeight = 0;
        for (int b = 0; b < windows; b++)
        {
            expectedLoss += reference.LossAndGradient(TestValues.ToDouble(starts.AsSpan(b * shape.StateSize, shape.StateSize)),
                Rows(inputs, shape, b * Steps, Steps), TestValues.ToDouble(targets.AsSpan(b * Steps, Steps)),
                TestValues.ToDouble(targetWeights.AsSpan(b * Steps, Steps)), expected);
            singleLoss += single.Accumulate(weights, starts.AsSpan(b * shape.StateSize, shape.StateSize),
                inputs.AsSpan(b * Steps * shape.InputSize, Steps * shape.InputSize), targets.AsSpan(b * Steps, Steps),
                targetWeights.AsSpan(b * Steps, Steps), perWindow, out double w);
            singleWeight += w;
        }

        double scale = expected.Max(Math.Abs);
        Assert.True(Math.Abs(singleLoss - expectedLoss) <= 1e-5 * (1 + Math.Abs(expectedLoss)), $"loss {singleLoss} vs reference {expectedLoss}");
        TestValues.Close(expected, perWindow, 3e-5 * scale, 1e-4, "per-window gradient");

        var batched = new BatchedBackpropagationThroughTime(shape, Steps + 1, windows + 2);
        float[] gradient = new float[shape.ParameterCount];
        double loss = batched.Accumulate(weights, windows, Steps, starts, inputs, targets, targetWeights, gradient, out double weightSum);
        Assert.Equal(singleLoss, loss);
        Assert.Equal(singleWeight, weightSum);
        TestValues.Close(expected, gradient, 3e-5 * scale, 1e-4, "batched gradient");
        Assert.Equal(loss, batched.Evaluate(weights, windows, Steps, starts, inputs, targets, targetWeights, out _));

        // No allocation once warm.
        long before = GC.GetAllocatedBytesForCurrentThread();
        batched.Accumulate(weights, windows, Steps, starts, inputs, targets, targetWeights, gradient, out _);
        single.Accumulate(weights, starts.AsSpan(0, shape.StateSize), inputs.AsSpan(0, Steps * shape.InputSize), targets.AsSpan(0, Steps),
            targetWeights.AsSpan(0, Steps), perWindow, out _);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void StepMatchesTheReferenceAndBatchedStepsAreBitIdentical(CellKind cell, int layers)
    {
        var shape = Shape(cell, layers, hidden: 19);
        var weights = ModelWeights.Initialize(shape, seed: 7);
        var reference = ReferenceNetwork.From(weights);
        var network = new RecurrentNetwork(shape, 3);
        float[] state = TestValues.Uniform(shape.StateSize, 11, 0.5f);
        double[] referenceState = TestValues.ToDouble(state);
        float[] states = new float[3 * shape.StateSize];
        for (int b = 0; b < 3; b++)
        {
            state.CopyTo(states, b * shape.StateSize);
        }

        float[] output = new float[Classes];
        float[] outputs = new float[3 * Classes];
        var statuses = new StepStatus[3];
        double[] referenceOutput = new double[Classes];
        for (int t = 0; t < 10; t++)
        {
            float[] x = TestValues.Uniform(shape.InputSize, 100 + t, 2f);
            float[] xs = [.. x, .. x, .. x];
            Assert.Equal(StepStatus.Ok, network.Step(weights, x, state, output));
            Assert.Equal(0, network.StepBatch(weights, xs, states, outputs, statuses, 3));
            referenceState = reference.Step(referenceState, TestValues.ToDouble(x), referenceOutput);
            TestValues.Close(referenceOutput, output, 2e-6, 2e-5, $"logits at step {t}");
            for (int b = 0; b < 3; b++)
            {
                TestValues.BitEqual(output, outputs.AsSpan(b * Classes, Classes), $"batched logits row {b}");
            }
        }
    }

    [Fact]
    public void WeightFileKeepsTheClassCountWithoutAHeaderChange()
    {
        var shape = Shape(CellKind.Lstm, 1, 7);
        var weights = ModelWeights.Initialize(shape, seed: 3);
        using var stream = new MemoryStream();
        weights.WriteTo(stream);
        byte[] bytes = stream.ToArray();
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal((byte)HeadKind.Categorical, bytes[7]);
        stream.Position = 0;
        var read = ModelWeights.ReadFrom(stream, shape);
        Assert.Equal(shape, read.Shape);
        Assert.Equal(Classes, read.Shape.Classes);
        TestValues.BitEqual(weights.Parameters, read.Parameters, "parameters");
    }

    [Fact]
    public void A_parameter_count_that_implies_no_whole_class_count_is_a_corrupted_header()
    {
        var shape = Shape(CellKind.Gru, 1, 6);
        using var stream = new MemoryStream();
        ModelWeights.Initialize(shape, seed: 2).WriteTo(stream);
        byte[] bytes = stream.ToArray();
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(28));
        foreach (int wrong in new[] { count - 1, count - 3 * (shape.HiddenSize + 1) })
        {
            byte[] copy = (byte[])bytes.Clone();
            BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(28), wrong); // K = 3.86…, then K = 1
            var e = Assert.Throws<ModelFormatException>(() => ModelWeights.ReadFrom(new MemoryStream(copy)));
            Assert.StartsWith("Corrupted header:", e.Message);
        }
    }

    [Fact]
    public void BadClassTargetsAndShapesAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(CellKind.Rnn, 2, 3, 1, HeadKind.Categorical).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(CellKind.Rnn, 2, 3, 1, HeadKind.Categorical, 1).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelShape(CellKind.Rnn, 2, 3, 1, HeadKind.Binary, 4).Validate());
        var shape = Shape(CellKind.Rnn, 1);
        var weights = ModelWeights.Initialize(shape, seed: 1);
        var trainer = new BackpropagationThroughTime(shape, 2);
        var batched = new BatchedBackpropagationThroughTime(shape, 2, 1);
        float[] gradient = new float[shape.ParameterCount];
        float[] start = new float[shape.StateSize], inputs = new float[2 * shape.InputSize];
        foreach (float bad in new[] { -1f, 4f, 1.5f })
        {
            float[] targets = [0f, bad];
            var e = Assert.Throws<ArgumentException>(() => trainer.Accumulate(weights, start, inputs, targets, [1f, 1f], gradient, out _));
            Assert.Contains("class index", e.Message);
            e = Assert.Throws<ArgumentException>(() => batched.Accumulate(weights, 1, 2, start, inputs, targets, [1f, 1f], gradient, out _));
            Assert.Contains("class index", e.Message);
        }
    }

    private static double[][] Rows(float[] inputs, ModelShape shape, int first, int count)
    {
        double[][] rows = new double[count][];
        for (int t = 0; t < count; t++)
        {
            rows[t] = TestValues.ToDouble(inputs.AsSpan((first + t) * shape.InputSize, shape.InputSize));
        }

        return rows;
    }
}
