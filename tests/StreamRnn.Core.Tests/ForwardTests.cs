using StreamRnn.Core.Tests.Reference;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]

public sealed class ForwardTests
{
    public static TheoryData<CellKind, int, HeadKind> Shapes()
    {
        var data = new TheoryData<CellKind, int, HeadKind>();
        foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            foreach (int layers in new[] { 1, 2 })
            {
                foreach (var head in new[] { HeadKind.Linear, HeadKind.Gaussian, HeadKind.Binary })
                {
                    data.Add(cell, layers, head);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FloatStepMatchesDoubleReference(CellKind cell, int layers, HeadKind head)
    {
        var shape = new ModelShape(cell, 5, 19, layers, head);
        var weights = ModelWeights.Initialize(shape, seed: 7);
        var reference = ReferenceNetwork.From(weights);
        var network = new RecurrentNetwork(shape, 1);
        float[] state = TestValues.Uniform(shape.StateSize, 11, 0.5f);
        double[] referenceState = TestValues.ToDouble(state);
        float[] output = new float[shape.HeadOutputSize];
        double[] referenceOutput = new double[shape.HeadOutputSize];
        for (int t = 0; t < 20; t++)
        {
            float[] x = TestValues.Uniform(shape.InputSize, 100 + t, 2f);
            Assert.Equal(StepStatus.Ok, network.Step(weights, x, state, output));
            referenceState = reference.Step(referenceState, TestValues.ToDouble(x), referenceOutput);
            TestValues.Close(referenceState, state, 2e-6, 2e-5, $"state at step {t}");
            TestValues.Close(referenceOutput, output, 2e-6, 2e-5, $"head at step {t}");
        }
    }

    public static TheoryData<CellKind, int, int> BatchCases()
    {
        var data = new TheoryData<CellKind, int, int>();
        int[] batches = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64, 255, 256];
        int[] hiddens = [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 128];
        foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            foreach (int b in batches)
            {
                foreach (int h in hiddens)
                {
                    data.Add(cell, b, h);
                }
            }
        }

        return data;
    }

    /// <summary>
    /// The daemon's crash recovery replays keys in different batches than before; that is only safe if a batched step
    /// equals single steps exactly, for every row position, batch size and every vector-remainder path of H.
    /// </summary>
    [Theory]
    [MemberData(nameof(BatchCases))]
    public void StepBatchIsBitIdenticalToSingleSteps(CellKind cell, int batch, int hidden)
    {
        foreach (int layers in new[] { 1, 2 })
        {
            var head = (HeadKind)(1 + (hidden + batch) % 3);
            var shape = new ModelShape(cell, 1 + hidden % 6, hidden, layers, head);
            var weights = ModelWeights.Initialize(shape, seed: hidden * 31 + batch);
            int s = shape.StateSize, o = shape.HeadOutputSize, i = shape.InputSize;
            float[] batched = TestValues.Uniform(batch * s, batch + 3);
            float[] single = (float[])batched.Clone();
            float[] rebatched = (float[])batched.Clone();
            float[] batchedOut = new float[batch * o];
            float[] singleOut = new float[batch * o];
            float[] rebatchedOut = new float[batch * o];
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

                // Re-batch in uneven chunks so every key lands at another row position and in other kernel blocks.
                int chunk = 1 + (step + batch) % 7;
                for (int start = 0; start < batch;)
                {
                    int n = Math.Min(chunk, batch - start);
                    network.StepBatch(weights, inputs.AsSpan(start * i), rebatched.AsSpan(start * s), rebatchedOut.AsSpan(start * o),
                        statuses, n);
                    start += n;
                    chunk = chunk % 7 + 2;
                }

                TestValues.BitEqual(single, batched, $"states, layers {layers}, step {step}");
                TestValues.BitEqual(singleOut, batchedOut, $"head outputs, layers {layers}, step {step}");
                TestValues.BitEqual(single, rebatched, $"re-batched states, layers {layers}, step {step}");
                TestValues.BitEqual(singleOut, rebatchedOut, $"re-batched head outputs, layers {layers}, step {step}");
            }
        }
    }
}
