namespace StreamRnn.Core.Tests;

/// <summary>
/// A trainer's scratch weights, overwritten in place after each optimiser step, must compute exactly what a fresh
/// snapshot of the same parameters computes, and must do it without allocating.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ScratchWeightsTests
{
    [Theory]
    [InlineData(CellKind.Rnn, 1)]
    [InlineData(CellKind.Lstm, 2)]
    [InlineData(CellKind.Gru, 2)]
    [InlineData(CellKind.Gru, 1)]
    public void Overwritten_scratch_weights_give_bit_identical_steps_losses_and_gradients(CellKind cell, int layers)
    {
        var shape = new ModelShape(cell, 3, 20, layers, HeadKind.Gaussian);
        var scratch = ModelWeights.CreateScratch(shape);
        var network = new RecurrentNetwork(shape, 1);
        var bptt = new BackpropagationThroughTime(shape, 6);
        float[] start = TestValues.Uniform(shape.StateSize, 7, 0.5f);
        float[] inputs = TestValues.Uniform(6 * 3, 8);
        float[] targets = TestValues.Uniform(6, 9);
        float[] targetWeights = [1, 1, 1, 0, 1, 1];

        // Three different parameter sets through the same scratch instance: each must match its own snapshot.
        for (int seed = 1; seed <= 3; seed++)
        {
            var snapshot = ModelWeights.Initialize(shape, seed, version: seed);
            scratch.Overwrite(snapshot.Parameters, seed);
            Assert.Equal(seed, scratch.Version);
            TestValues.BitEqual(snapshot.Parameters, scratch.Parameters, "parameters");

            float[] expectedGradient = new float[shape.ParameterCount];
            float[] actualGradient = new float[shape.ParameterCount];
            double expectedLoss = bptt.Accumulate(snapshot, start, inputs, targets, targetWeights, expectedGradient, out _);
            double actualLoss = bptt.Accumulate(scratch, start, inputs, targets, targetWeights, actualGradient, out _);
            Assert.Equal(expectedLoss, actualLoss);
            TestValues.BitEqual(expectedGradient, actualGradient, "gradient");
            Assert.Equal(bptt.Evaluate(snapshot, start, inputs, targets, targetWeights, out _),
                bptt.Evaluate(scratch, start, inputs, targets, targetWeights, out _));

            float[] expectedState = start.ToArray();
            float[] actualState = start.ToArray();
            float[] expectedOutput = new float[2];
            float[] actualOutput = new float[2];
            network.Step(snapshot, inputs.AsSpan(0, 3), expectedState, expectedOutput);
            network.Step(scratch, inputs.AsSpan(0, 3), actualState, actualOutput);
            TestValues.BitEqual(expectedState, actualState, "state");
            TestValues.BitEqual(expectedOutput, actualOutput, "output");
        }
    }

    [Fact]
    public void Overwrite_allocates_nothing()
    {
        var shape = new ModelShape(CellKind.Gru, 4, 32, 2, HeadKind.Linear);
        var scratch = ModelWeights.CreateScratch(shape);
        float[] a = ModelWeights.Initialize(shape, 1).Parameters.ToArray();
        float[] b = ModelWeights.Initialize(shape, 2).Parameters.ToArray();
        for (int i = 0; i < 20; i++)
        {
            scratch.Overwrite(i % 2 == 0 ? a : b, i);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            scratch.Overwrite(i % 2 == 0 ? a : b, i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Snapshots_cannot_be_overwritten_and_scratch_refuses_bad_parameters()
    {
        var shape = new ModelShape(CellKind.Lstm, 2, 8, 1, HeadKind.Linear);
        var snapshot = ModelWeights.Initialize(shape, 1);
        Assert.False(snapshot.IsScratch);
        var error = Assert.Throws<InvalidOperationException>(() => snapshot.Overwrite(snapshot.Parameters, 2));
        Assert.Contains("immutable", error.Message, StringComparison.Ordinal);

        var scratch = ModelWeights.CreateScratch(shape);
        Assert.True(scratch.IsScratch);
        Assert.Throws<ArgumentException>(() => scratch.Overwrite(new float[3], 1));
        float[] values = snapshot.Parameters.ToArray();
        values[5] = float.NaN;
        Assert.Contains("index 5", Assert.Throws<ArgumentException>(() => scratch.Overwrite(values, 1)).Message, StringComparison.Ordinal);
    }
}
