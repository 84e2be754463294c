using StreamRnn.Core.Tests.Reference;

namespace StreamRnn.Core.Tests;

/// <summary>
/// Gradient checks in three links: (a) the float forward equals the double reference (<see cref="ForwardTests"/>),
/// (b) the double reference's analytic gradient equals central finite differences tightly, (c) the float
/// <see cref="BackpropagationThroughTime"/> gradient equals the double analytic gradient within float tolerance.
/// </summary>
[Trait("Category", "Unit")]
public sealed class GradientTests
{
    private const int Steps = 6;

    public static TheoryData<CellKind, int, HeadKind> Shapes() => ForwardTests.Shapes();

    private sealed record Window(ModelShape Shape, ModelWeights Weights, float[] Start, float[] Inputs, float[] Targets, float[] TargetWeights)
    {
        public double[][] InputRows()
        {
            double[][] rows = new double[Targets.Length][];
            for (int t = 0; t < rows.Length; t++)
            {
                rows[t] = TestValues.ToDouble(Inputs.AsSpan(t * Shape.InputSize, Shape.InputSize));
            }

            return rows;
        }
    }

    private static Window MakeWindow(CellKind cell, int layers, HeadKind head, int seed)
    {
        var shape = new ModelShape(cell, 3, 5, layers, head);

        // Larger weights than the default initialisation so that every gate works in its non-linear range.
        float[] parameters = TestValues.Uniform(shape.ParameterCount, seed, 0.8f);
        var weights = ModelWeights.FromParameters(shape, parameters, 1);
        float[] start = TestValues.Uniform(shape.StateSize, seed + 1, 0.7f);
        float[] inputs = TestValues.Uniform(Steps * shape.InputSize, seed + 2, 1.5f);
        float[] targets = TestValues.Uniform(Steps, seed + 3, 1f);
        if (head == HeadKind.Binary)
        {
            for (int t = 0; t < Steps; t++)
            {
                targets[t] = targets[t] > 0 ? 1f : 0f;
            }
        }

        float[] targetWeights = [1f, 0f, 0.5f, 2f, 0f, 1f];
        targets[1] = float.NaN; // ignored: weight 0
        return new Window(shape, weights, start, inputs, targets, targetWeights);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ReferenceGradientMatchesFiniteDifferences(CellKind cell, int layers, HeadKind head)
    {
        var w = MakeWindow(cell, layers, head, 17);
        var reference = ReferenceNetwork.From(w.Weights);
        double[] start = TestValues.ToDouble(w.Start);
        double[][] inputs = w.InputRows();
        double[] targets = TestValues.ToDouble(w.Targets);
        double[] weights = TestValues.ToDouble(w.TargetWeights);
        double[] analytic = new double[w.Shape.ParameterCount];
        reference.LossAndGradient(start, inputs, targets, weights, analytic);

        double[] p = reference.Parameters;
        const double h = 1e-6;
        double largest = 0;
        for (int i = 0; i < p.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs(analytic[i]));
        }

        Assert.True(largest > 1e-2, "the check needs a non-trivial gradient");
        for (int i = 0; i < p.Length; i++)
        {
            double saved = p[i];
            p[i] = saved + h;
            double plus = reference.Loss(start, inputs, targets, weights);
            p[i] = saved - h;
            double minus = reference.Loss(start, inputs, targets, weights);
            p[i] = saved;
            double numeric = (plus - minus) / (2 * h);
            double tolerance = 1e-7 + 1e-6 * Math.Abs(numeric);
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance,
                $"parameter {i}: analytic {analytic[i]:R}, finite difference {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FloatGradientMatchesDoubleReference(CellKind cell, int layers, HeadKind head)
    {
        var w = MakeWindow(cell, layers, head, 29);
        var reference = ReferenceNetwork.From(w.Weights);
        double[] expected = new double[w.Shape.ParameterCount];
        double expectedLoss = reference.LossAndGradient(TestValues.ToDouble(w.Start), w.InputRows(), TestValues.ToDouble(w.Targets),
            TestValues.ToDouble(w.TargetWeights), expected);

        var trainer = new BackpropagationThroughTime(w.Shape, 10);
        float[] preset = TestValues.Uniform(w.Shape.ParameterCount, 5, 0.25f);
        float[] gradient = (float[])preset.Clone();
        double loss = trainer.Accumulate(w.Weights, w.Start, w.Inputs, w.Targets, w.TargetWeights, gradient, out double weightSum);

        Assert.Equal(4.5, weightSum);
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-5 * (1 + Math.Abs(expectedLoss)), $"loss {loss} vs reference {expectedLoss}");
        double scale = 0;
        foreach (double g in expected)
        {
            scale = Math.Max(scale, Math.Abs(g));
        }

        // Accumulate ADDS into the caller's buffer: subtract the preset values back out.
        float[] added = new float[gradient.Length];
        for (int i = 0; i < added.Length; i++)
        {
            added[i] = gradient[i] - preset[i];
        }

        TestValues.Close(expected, added, 3e-5 * scale, 1e-4, "gradient");
        double evaluated = trainer.Evaluate(w.Weights, w.Start, w.Inputs, w.Targets, w.TargetWeights, out double evaluatedWeights);
        Assert.Equal(loss, evaluated);
        Assert.Equal(weightSum, evaluatedWeights);
    }

    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void GradientsStopAtTheTruncationBoundary(CellKind cell)
    {
        var shape = new ModelShape(cell, 2, 6, 2, HeadKind.Linear);
        var weights = ModelWeights.FromParameters(shape, TestValues.Uniform(shape.ParameterCount, 3, 0.6f), 1);
        const int history = 5, window = 4;
        float[] inputs = TestValues.Uniform((history + window) * shape.InputSize, 4, 1f);
        float[] targets = TestValues.Uniform(history + window, 5, 1f);
        float[] start = TestValues.Uniform(shape.StateSize, 6, 0.5f);

        // The state at the window's start, reached by running the history through the inference path.
        var network = new RecurrentNetwork(shape, 1);
        float[] boundary = (float[])start.Clone();
        float[] output = new float[1];
        for (int t = 0; t < history; t++)
        {
            network.Step(weights, inputs.AsSpan(t * shape.InputSize, shape.InputSize), boundary, output);
        }

        var trainer = new BackpropagationThroughTime(shape, history + window);
        float[] windowWeights = [1f, 1f, 1f, 1f];
        float[] truncated = new float[shape.ParameterCount];
        double truncatedLoss = trainer.Accumulate(weights, boundary, inputs.AsSpan(history * shape.InputSize), targets.AsSpan(history),
            windowWeights, truncated, out _);

        // The same targets scored through the whole history: gradients now also flow through the 5 earlier steps.
        float[] fullWeights = [0f, 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f];
        float[] full = new float[shape.ParameterCount];
        double fullLoss = trainer.Accumulate(weights, start, inputs, targets, fullWeights, full, out _);

        // Same forward computations, so the loss is identical to the last bit; the gradients differ.
        Assert.Equal(fullLoss, truncatedLoss);
        double difference = 0, norm = 0;
        for (int i = 0; i < full.Length; i++)
        {
            difference += (full[i] - truncated[i]) * (double)(full[i] - truncated[i]);
            norm += full[i] * (double)full[i];
        }

        Assert.True(Math.Sqrt(difference) > 1e-3 * Math.Sqrt(norm), "the longer window must see gradient through the history");

        // The truncated gradient is exactly the gradient with the start state held constant (reference, double).
        var reference = ReferenceNetwork.From(weights);
        double[][] rows = new double[window][];
        for (int t = 0; t < window; t++)
        {
            rows[t] = TestValues.ToDouble(inputs.AsSpan((history + t) * shape.InputSize, shape.InputSize));
        }

        double[] expected = new double[shape.ParameterCount];
        reference.LossAndGradient(TestValues.ToDouble(boundary), rows, TestValues.ToDouble(targets.AsSpan(history)), [1, 1, 1, 1], expected);
        double scale = expected.Max(Math.Abs);
        TestValues.Close(expected, truncated, 3e-5 * scale, 1e-4, "truncated gradient");

        // Whatever ran before (another window, another history) leaves no trace in the next result.
        float[] again = new float[shape.ParameterCount];
        trainer.Accumulate(weights, boundary, inputs.AsSpan(history * shape.InputSize), targets.AsSpan(history), windowWeights, again, out _);
        TestValues.BitEqual(truncated, again, "repeated window gradient");
    }
}
