namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]

public sealed class NonFiniteAndArgumentTests
{
    private static readonly ModelShape Lstm = new(CellKind.Lstm, 3, 9, 2, HeadKind.Gaussian);

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteInputLeavesStateAndWritesNaN(float bad)
    {
        var weights = ModelWeights.Initialize(Lstm, 1);
        var network = new RecurrentNetwork(Lstm, 4);
        float[] state = TestValues.Uniform(Lstm.StateSize, 2);
        float[] before = (float[])state.Clone();
        float[] output = [1f, 2f];
        Assert.Equal(StepStatus.NonFiniteInput, network.Step(weights, [0.5f, bad, 0f], state, output));
        TestValues.BitEqual(before, state, "state after a non-finite input");
        Assert.True(float.IsNaN(output[0]) && float.IsNaN(output[1]));
    }

    [Fact]
    public void NonFiniteRowInABatchDoesNotTouchTheOtherRows()
    {
        var weights = ModelWeights.Initialize(Lstm, 1);
        const int batch = 7;
        var network = new RecurrentNetwork(Lstm, batch);
        int s = Lstm.StateSize;
        float[] states = TestValues.Uniform(batch * s, 3);
        float[] singles = (float[])states.Clone();
        float[] inputs = TestValues.Uniform(batch * 3, 4);
        inputs[2 * 3 + 1] = float.NaN;
        float[] outputs = new float[batch * 2];
        var statuses = new StepStatus[batch];
        Assert.Equal(1, network.StepBatch(weights, inputs, states, outputs, statuses, batch));
        for (int b = 0; b < batch; b++)
        {
            float[] single = new float[2];
            var status = network.Step(weights, inputs.AsSpan(b * 3, 3), singles.AsSpan(b * s, s), single);
            Assert.Equal(status, statuses[b]);
            TestValues.BitEqual(single, outputs.AsSpan(b * 2, 2), $"row {b} output");
        }

        Assert.Equal(StepStatus.NonFiniteInput, statuses[2]);
        TestValues.BitEqual(singles, states, "states");
    }

    [Fact]
    public void OverflowingResultLeavesStateAndSaysNonFiniteResult()
    {
        // RNN with b_ih = 10 saturates h at ≈ 1; W_out = [3e38, 3e38] then overflows the head output to +Inf.
        var shape = new ModelShape(CellKind.Rnn, 1, 2, 1, HeadKind.Linear);
        float[] p = new float[shape.ParameterCount]; // W_ih (2), W_hh (4), b_ih (2), b_hh (2), W_out (2), b_out (1)
        p[6] = 10f;
        p[7] = 10f;
        p[10] = 3e38f;
        p[11] = 3e38f;
        var weights = ModelWeights.FromParameters(shape, p, 1);
        var network = new RecurrentNetwork(shape, 1);
        float[] state = [0.25f, -0.5f];
        float[] output = new float[1];
        Assert.Equal(StepStatus.NonFiniteResult, network.Step(weights, [1f], state, output));
        Assert.Equal([0.25f, -0.5f], state);
        Assert.True(float.IsNaN(output[0]));
    }

    [Fact]
    public void NonFiniteStateFromTheCallerSaysNonFiniteResult()
    {
        var weights = ModelWeights.Initialize(Lstm, 1);
        var network = new RecurrentNetwork(Lstm, 1);
        float[] state = new float[Lstm.StateSize];
        state[3] = float.NaN;
        float[] output = new float[2];
        Assert.Equal(StepStatus.NonFiniteResult, network.Step(weights, [1f, 2f, 3f], state, output));
        Assert.True(float.IsNaN(state[3]));
        Assert.Equal(0f, state[4]);
    }

    [Fact]
    public void ShortSpansAndBadBatchesThrow()
    {
        var weights = ModelWeights.Initialize(Lstm, 1);
        var network = new RecurrentNetwork(Lstm, 4);
        int s = Lstm.StateSize;
        Assert.Throws<ArgumentException>(() => network.Step(weights, new float[2], new float[s], new float[2]));
        Assert.Throws<ArgumentException>(() => network.Step(weights, new float[3], new float[s - 1], new float[2]));
        Assert.Throws<ArgumentException>(() => network.Step(weights, new float[3], new float[s], new float[1]));
        Assert.Throws<ArgumentException>(() => network.StepBatch(weights, new float[3 * 3], new float[4 * s], new float[8], new StepStatus[4], 4));
        Assert.Throws<ArgumentException>(() => network.StepBatch(weights, new float[4 * 3], new float[4 * s], new float[8], new StepStatus[3], 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => network.StepBatch(weights, new float[15], new float[5 * s], new float[10], new StepStatus[5], 5));
        var other = ModelWeights.Initialize(Lstm with { HiddenSize = 8 }, 1);
        Assert.Throws<ArgumentException>(() => network.Step(other, new float[3], new float[s], new float[2]));
        Assert.Equal(0, network.StepBatch(weights, [], [], [], [], 0));
    }

    [Fact]
    public void InPlaceSlicesOfOneBufferWork()
    {
        // Keys' rows may live side by side in one arena: step rows 1..2 of it in place and compare with copies.
        var weights = ModelWeights.Initialize(Lstm, 1);
        var network = new RecurrentNetwork(Lstm, 4);
        int s = Lstm.StateSize;
        float[] arena = TestValues.Uniform(4 * s, 9);
        float[] copy = arena.AsSpan(s, 2 * s).ToArray();
        float[] inputs = TestValues.Uniform(6, 10);
        float[] outputs = new float[4];
        network.StepBatch(weights, inputs, arena.AsSpan(s, 2 * s), outputs, new StepStatus[2], 2);
        network.Step(weights, inputs.AsSpan(0, 3), copy.AsSpan(0, s), new float[2]);
        network.Step(weights, inputs.AsSpan(3, 3), copy.AsSpan(s, s), new float[2]);
        TestValues.BitEqual(copy, arena.AsSpan(s, 2 * s), "in-place rows");
        TestValues.BitEqual(TestValues.Uniform(4 * s, 9).AsSpan(0, s), arena.AsSpan(0, s), "untouched row before");
        TestValues.BitEqual(TestValues.Uniform(4 * s, 9).AsSpan(3 * s, s), arena.AsSpan(3 * s, s), "untouched row after");
    }

    [Fact]
    public void AccumulateRejectsNonFiniteOrMalformedWindows()
    {
        var weights = ModelWeights.Initialize(Lstm, 1);
        var trainer = new BackpropagationThroughTime(Lstm, 4);
        float[] start = new float[Lstm.StateSize];
        float[] gradient = new float[Lstm.ParameterCount];
        float[] inputs = TestValues.Uniform(6, 1);
        float[] targets = [0.5f, 0.25f];
        float[] w = [1f, 1f];

        float[] badInputs = (float[])inputs.Clone();
        badInputs[4] = float.NaN;
        Assert.Contains("step 1", Assert.Throws<ArgumentException>(() => trainer.Accumulate(weights, start, badInputs, targets, w, gradient, out _)).Message);
        Assert.Throws<ArgumentException>(() => trainer.Accumulate(weights, start, inputs, [0.5f, float.PositiveInfinity], w, gradient, out _));
        Assert.Throws<ArgumentException>(() => trainer.Accumulate(weights, start, inputs, targets, [1f, -1f], gradient, out _));
        float[] badStart = new float[Lstm.StateSize];
        badStart[0] = float.NaN;
        Assert.Throws<ArgumentException>(() => trainer.Accumulate(weights, badStart, inputs, targets, w, gradient, out _));
        Assert.Throws<ArgumentException>(() => trainer.Accumulate(weights, start, inputs, targets, w, new float[3], out _));
        Assert.Throws<ArgumentException>(() => trainer.Evaluate(weights, start, TestValues.Uniform(15, 1), new float[5], new float[5], out _));
        Assert.All(gradient, g => Assert.Equal(0f, g));

        // A NaN target is fine where its weight is 0: that step has no target.
        double loss = trainer.Accumulate(weights, start, inputs, [float.NaN, 0.25f], [0f, 1f], gradient, out double weightSum);
        Assert.True(double.IsFinite(loss));
        Assert.Equal(1.0, weightSum);

        var binary = new ModelShape(CellKind.Gru, 3, 4, 1, HeadKind.Binary);
        var binaryTrainer = new BackpropagationThroughTime(binary, 2);
        Assert.Throws<ArgumentException>(() => binaryTrainer.Accumulate(ModelWeights.Initialize(binary, 1), new float[4], inputs, [1f, 2f], w,
            new float[binary.ParameterCount], out _));
    }

    [Fact]
    public void HeadOutputHelpers()
    {
        Assert.Equal(MathF.Exp(1f), HeadOutput.StandardDeviation(2f), 1e-6);
        Assert.Equal(MathF.Exp(0.5f * HeadOutput.MaxLogVariance), HeadOutput.StandardDeviation(1000f));
        Assert.Equal(0.5f, HeadOutput.Probability(0f));
        Assert.Equal(1f, HeadOutput.Probability(1000f));
        Assert.Equal(0f, HeadOutput.Probability(-1000f));
        Assert.True(float.IsNaN(HeadOutput.Probability(float.NaN)));
    }
}
