namespace StreamRnn.Core.Tests;

/// <summary>The hot path must not allocate: measured per thread after a warm-up.</summary>
[Trait("Category", "Unit")]
public sealed class AllocationTests
{
    [Theory]
    [InlineData(CellKind.Rnn)]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void SteadyStateStepsAndTrainingAllocateNothing(CellKind cell)
    {
        var shape = new ModelShape(cell, 4, 24, 2, HeadKind.Gaussian);
        var weights = ModelWeights.Initialize(shape, 1);
        const int batch = 13;
        var network = new RecurrentNetwork(shape, batch);
        float[] inputs = TestValues.Uniform(batch * 4, 1);
        float[] states = new float[batch * shape.StateSize];
        float[] outputs = new float[batch * 2];
        var statuses = new StepStatus[batch];
        var trainer = new BackpropagationThroughTime(shape, 8);
        float[] start = new float[shape.StateSize];
        float[] window = TestValues.Uniform(8 * 4, 2);
        float[] targets = TestValues.Uniform(8, 3);
        float[] targetWeights = [1, 1, 0, 1, 1, 1, 1, 1];
        float[] gradient = new float[shape.ParameterCount];
        var adam = new Adam(shape.ParameterCount, 1e-3f, weightDecay: 1e-4f);
        var sgd = new Sgd(shape.ParameterCount, 1e-3f, 0.9f, 1e-4f);
        float[] parameters = weights.Parameters.ToArray();

        void Work()
        {
            network.Step(weights, inputs.AsSpan(0, 4), states.AsSpan(0, shape.StateSize), outputs.AsSpan(0, 2));
            network.StepBatch(weights, inputs, states, outputs, statuses, batch);
            trainer.Accumulate(weights, start, window, targets, targetWeights, gradient, out _);
            trainer.Evaluate(weights, start, window, targets, targetWeights, out _);
            GradientClipping.ClipByGlobalNorm(gradient, 1f);
            adam.Step(parameters, gradient);
            sgd.Step(parameters, gradient);
        }

        for (int i = 0; i < 50; i++)
        {
            Work();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 500; i++)
        {
            Work();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
