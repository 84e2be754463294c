using StreamRnn.Core.Tests.Reference;

namespace StreamRnn.Core.Tests;

/// <summary>
/// <see cref="BatchedBackpropagationThroughTime"/>: the same losses, bit for bit, as the per-window
/// <see cref="BackpropagationThroughTime"/> summed over the windows in order, and the same gradient up to float32
/// summation order (the batched backward reduces over the windows inside matrix products); bit-identical results from run
/// to run and from one instance to another; the gradient of a batch equals the double reference's (itself checked
/// against finite differences) and central finite differences of the batched loss; no allocation per call.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BatchedBackpropagationTests
{
    private sealed record Batch(ModelShape Shape, ModelWeights Weights, int Windows, int Steps, float[] Starts, float[] Inputs,
        float[] Targets, float[] TargetWeights);

    private static Batch MakeBatch(CellKind cell, int layers, HeadKind head, int hidden, int windows, int steps, int seed)
    {
        var shape = new ModelShape(cell, 3, hidden, layers, head);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, seed, 0.8f), 1);
        float[] starts = TestValues.Uniform(windows * shape.StateSize, seed + 1, 0.7f);
        float[] inputs = TestValues.Uniform(windows * steps * shape.InputSize, seed + 2, 1.5f);
        float[] targets = TestValues.Uniform(windows * steps, seed + 3, 1f);
        float[] targetWeights = new float[windows * steps];
        for (int i = 0; i < targets.Length; i++)
        {
            if (head == HeadKind.Binary)
            {
                targets[i] = targets[i] > 0 ? 1f : 0f;
            }

            // Some steps carry no target (weight 0, NaN target), others weights other than 1.
            targetWeights[i] = (i % 5) switch { 1 => 0f, 3 => 0.5f, 4 => 2f, _ => 1f };
            if (targetWeights[i] == 0)
            {
                targets[i] = float.NaN;
            }
        }

        return new Batch(shape, weights, windows, steps, starts, inputs, targets, targetWeights);
    }

    public static TheoryData<CellKind, int, HeadKind, int, int> Cases()
    {
        var data = new TheoryData<CellKind, int, HeadKind, int, int>();
        foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            foreach (int layers in new[] { 1, 2 })
            {
                foreach (var head in new[] { HeadKind.Linear, HeadKind.Gaussian, HeadKind.Binary })
                {
                    data.Add(cell, layers, head, 5, 3);
                }
            }

            data.Add(cell, 1, HeadKind.Gaussian, 19, 1);
            data.Add(cell, 1, HeadKind.Gaussian, 64, 37);
            data.Add(cell, 2, HeadKind.Linear, 16, 64);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_is_bit_identical_and_gradient_equal_up_to_summation_order_to_per_window_BPTT(CellKind cell, int layers, HeadKind head, int hidden, int windows)
    {
        const int steps = 6;
        var batch = MakeBatch(cell, layers, head, hidden, windows, steps, 41 + windows);
        var shape = batch.Shape;
        var single = new BackpropagationThroughTime(shape, steps);
        float[] expected = TestValues.Uniform(shape.ParameterCount, 5, 0.25f);
        float[] actual = (float[])expected.Clone();
        double expectedLoss = 0, expectedWeight = 0;
        for (int b = 0; b < windows; b++)
        {
            expectedLoss += single.Accumulate(batch.Weights, batch.Starts.AsSpan(b * shape.StateSize, shape.StateSize),
                batch.Inputs.AsSpan(b * steps * shape.InputSize, steps * shape.InputSize), batch.Targets.AsSpan(b * steps, steps),
                batch.TargetWeights.AsSpan(b * steps, steps), expected, out double weight);
            expectedWeight += weight;
        }

        var batched = new BatchedBackpropagationThroughTime(shape, steps + 2, windows + 3);
        double loss = batched.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights,
            actual, out double weightSum);

        Assert.Equal(expectedLoss, loss);
        Assert.Equal(expectedWeight, weightSum);
        double scale = expected.Max(Math.Abs);
        TestValues.Close(TestValues.ToDouble(expected), actual, 2e-5 * scale, 2e-5, "gradient");
        Assert.Equal(expectedLoss, batched.Evaluate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, out _));
    }

    [Theory]
    [MemberData(nameof(GradientShapes))]
    public void Batch_gradient_matches_the_double_reference_and_finite_differences(CellKind cell, int layers, HeadKind head)
    {
        const int steps = 5, windows = 4;
        var batch = MakeBatch(cell, layers, head, 5, windows, steps, 77);
        var shape = batch.Shape;
        var reference = ReferenceNetwork.From(batch.Weights);
        double[] expected = new double[shape.ParameterCount];
        for (int b = 0; b < windows; b++)
        {
            double[][] rows = new double[steps][];
            for (int t = 0; t < steps; t++)
            {
                rows[t] = TestValues.ToDouble(batch.Inputs.AsSpan((b * steps + t) * shape.InputSize, shape.InputSize));
            }

            reference.LossAndGradient(TestValues.ToDouble(batch.Starts.AsSpan(b * shape.StateSize, shape.StateSize)), rows,
                TestValues.ToDouble(batch.Targets.AsSpan(b * steps, steps)), TestValues.ToDouble(batch.TargetWeights.AsSpan(b * steps, steps)), expected);
        }

        var batched = new BatchedBackpropagationThroughTime(shape, steps, windows);
        float[] gradient = new float[shape.ParameterCount];
        batched.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, gradient, out _);
        double scale = expected.Max(Math.Abs);
        TestValues.Close(expected, gradient, 3e-5 * scale, 1e-4, "gradient");

        // Central differences of the batched float loss itself, on every 7th parameter (float forward: a loose bound).
        const float h = 1e-2f;
        float[] parameters = batch.Weights.Parameters.ToArray();
        for (int i = 0; i < parameters.Length; i += 7)
        {
            float saved = parameters[i];
            parameters[i] = saved + h;
            double plus = batched.Evaluate(ModelWeights.FromParameters(shape, parameters, 1), windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, out _);
            parameters[i] = saved - h;
            double minus = batched.Evaluate(ModelWeights.FromParameters(shape, parameters, 1), windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, out _);
            parameters[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[i]) <= 2e-3 * scale + 2e-2 * Math.Abs(numeric),
                $"parameter {i}: batched {gradient[i]:R}, finite difference {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_is_bit_identical_from_run_to_run_and_instance_to_instance(CellKind cell, int layers, HeadKind head, int hidden, int windows)
    {
        const int steps = 7;
        var batch = MakeBatch(cell, layers, head, hidden, windows, steps, 13 + windows);
        var shape = batch.Shape;
        var first = new BatchedBackpropagationThroughTime(shape, steps, windows);
        var second = new BatchedBackpropagationThroughTime(shape, steps + 1, windows + 5);
        float[] start = TestValues.Uniform(shape.ParameterCount, 9, 0.25f);
        float[] a = (float[])start.Clone(), b = (float[])start.Clone(), c = (float[])start.Clone();
        double lossA = first.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, a, out _);
        double lossB = first.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, b, out _);
        double lossC = second.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, c, out _);
        Assert.Equal(lossA, lossB);
        Assert.Equal(lossA, lossC);
        TestValues.BitEqual(a, b, "second run");
        TestValues.BitEqual(a, c, "other instance");
        Assert.NotEqual(start, a);
    }

    public static TheoryData<CellKind, int, HeadKind> GradientShapes() => ForwardTests.Shapes();

    [Theory]
    [InlineData(CellKind.Lstm, 32, 32, 1)]
    [InlineData(CellKind.Lstm, 64, 256, 40)]
    [InlineData(CellKind.Gru, 64, 256, 40)]
    [InlineData(CellKind.Rnn, 19, 37, 40)]
    public void A_call_allocates_nothing(CellKind cell, int hidden, int windows, int calls)
    {
        const int steps = 16;
        var batch = MakeBatch(cell, 1, HeadKind.Gaussian, hidden, windows, steps, 3);
        var batched = new BatchedBackpropagationThroughTime(batch.Shape, steps, windows);
        float[] gradient = new float[batch.Shape.ParameterCount];
        batched.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, gradient, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            batched.Accumulate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, gradient, out _);
            batched.Evaluate(batch.Weights, windows, steps, batch.Starts, batch.Inputs, batch.Targets, batch.TargetWeights, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
