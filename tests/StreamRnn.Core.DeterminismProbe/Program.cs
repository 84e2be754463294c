using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using StreamRnn.Core;

// Runs one fixed stream through the core (batched and single steps of every cell and head, then online training:
// TBPTT, clipping, Adam, and the trained model's steps) and prints one SHA-256 per part over the raw bits of every
// state, head output and parameter. StreamRnn.Core.Tests runs it under DOTNET_EnableAVX512F=0, DOTNET_EnableAVX2=0,
// DOTNET_EnableHWIntrinsic=0 and the default, and requires the same lines.
Console.Error.WriteLine($"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");
foreach (var cell in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
{
    foreach (var head in new[] { HeadKind.Linear, HeadKind.Gaussian, HeadKind.Binary })
    {
        foreach (int hidden in new[] { 20, 32 })
        {
            Console.WriteLine($"{cell} {head} H={hidden} inference {Inference(cell, head, hidden)}");
        }
    }

    Console.WriteLine($"{cell} training {Training(cell)}");
    Console.WriteLine($"{cell} batched training {BatchedTraining(cell)}");
}

Console.WriteLine($"PortableMath {ScalarFunctions()}");
Console.WriteLine($"Lstm Categorical K=4 training {CategoricalTraining()}");
Console.WriteLine($"Gru Gaussian Horizons=3 batched training {HorizonsTraining()}");

static string HorizonsTraining()
{
    // Three horizons (Gaussian [μ_1..μ_3, s_1..s_3]), the later ones unknown (NaN) at a window's last steps as in the
    // engine's windows: batched TBPTT, clipping, Adam, then the trained model's batched steps.
    const int K = 3, Window = 10, Batch = 4, Updates = 12, Keys = 7;
    var shape = new ModelShape(CellKind.Gru, 3, 20, 1, HeadKind.Gaussian, Horizons: K);
    var weights = ModelWeights.CreateScratch(shape);
    weights.Overwrite(ModelWeights.Initialize(shape, seed: 9).Parameters, 1);
    var bptt = new BatchedBackpropagationThroughTime(shape, Window, Batch);
    var adam = new Adam(shape.ParameterCount, learningRate: 3e-3f);
    float[] parameters = weights.Parameters.ToArray();
    float[] gradient = new float[shape.ParameterCount];
    float[] starts = new float[Batch * shape.StateSize];
    float[] inputs = new float[Batch * Window * shape.InputSize];
    float[] targets = new float[Batch * Window * K];
    float[] targetWeights = new float[Batch * Window];
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    for (int update = 0; update < Updates; update++)
    {
        for (int b = 0; b < Batch; b++)
        {
            for (int t = 0; t < Window; t++)
            {
                int step = update * Window + t;
                for (int i = 0; i < shape.InputSize; i++)
                {
                    inputs[(b * Window + t) * shape.InputSize + i] = Input(step, b, i);
                }

                for (int k = 0; k < K; k++)
                {
                    int h = 1 + 3 * k;
                    targets[(b * Window + t) * K + k] = t + h < Window ? Input(step + h, b, 0) - Input(step, b, 0) : float.NaN;
                }

                targetWeights[b * Window + t] = t < Window - 1 ? 1f : 0f;
            }
        }

        Array.Clear(gradient);
        double loss = bptt.Accumulate(weights, Batch, Window, starts, inputs, targets, targetWeights, gradient, out _);
        float norm = GradientClipping.ClipByGlobalNorm(gradient, 0.5f);
        adam.Step(parameters, gradient);
        weights.Overwrite(parameters, update + 2);
        Add(hash, gradient);
        Add(hash, [(float)loss, norm]);
    }

    var network = new RecurrentNetwork(shape, Keys);
    float[] states = new float[Keys * shape.StateSize];
    float[] stepInputs = new float[Keys * shape.InputSize];
    float[] outputs = new float[Keys * shape.HeadOutputSize];
    var statuses = new StepStatus[Keys];
    for (int step = 0; step < 20; step++)
    {
        for (int k = 0; k < Keys; k++)
        {
            for (int i = 0; i < shape.InputSize; i++)
            {
                stepInputs[k * shape.InputSize + i] = Input(step, k, i);
            }
        }

        network.StepBatch(weights, stepInputs, states, outputs, statuses, Keys);
        Add(hash, states);
        Add(hash, outputs);
    }

    return Convert.ToHexString(hash.GetHashAndReset());
}

// The highway over 11 inputs (one 8-lane block of the head's dot product and a tail) in every path.
Console.WriteLine($"Lstm highway A=11 training {Training(CellKind.Lstm, highway: 11)}");
Console.WriteLine($"Gru highway A=11 batched training {BatchedTraining(CellKind.Gru, highway: 11)}");

static float Input(int step, int key, int i) => MathF.Sin(0.37f * step + 1.3f * key + 0.71f * i) * (1 + 0.25f * (key % 3));

static string Inference(CellKind cell, HeadKind head, int hidden)
{
    // H = 20 (a padded panel and tails in every width) or 32 (the fused 16-lane LSTM/GRU passes of the Vector512
    // path), two layers, 13 keys (two 6-row blocks and a single row).
    var shape = new ModelShape(cell, 3, hidden, 2, head);
    var weights = ModelWeights.Initialize(shape, seed: 11);
    const int Keys = 13, Steps = 40;
    var network = new RecurrentNetwork(shape, Keys);
    float[] states = new float[Keys * shape.StateSize];
    float[] single = new float[Keys * shape.StateSize];
    float[] inputs = new float[Keys * shape.InputSize];
    float[] outputs = new float[Keys * shape.HeadOutputSize];
    float[] singleOutputs = new float[Keys * shape.HeadOutputSize];
    var statuses = new StepStatus[Keys];
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    for (int step = 0; step < Steps; step++)
    {
        for (int k = 0; k < Keys; k++)
        {
            for (int i = 0; i < shape.InputSize; i++)
            {
                inputs[k * shape.InputSize + i] = Input(step, k, i);
            }
        }

        network.StepBatch(weights, inputs, states, outputs, statuses, Keys);
        for (int k = 0; k < Keys; k++)
        {
            network.Step(weights, inputs.AsSpan(k * shape.InputSize, shape.InputSize), single.AsSpan(k * shape.StateSize, shape.StateSize),
                singleOutputs.AsSpan(k * shape.HeadOutputSize, shape.HeadOutputSize));
        }

        Add(hash, states);
        Add(hash, outputs);
        Add(hash, single);
        Add(hash, singleOutputs);
        float[] shown = new float[Keys];
        for (int k = 0; k < Keys; k++)
        {
            shown[k] = head switch
            {
                HeadKind.Gaussian => HeadOutput.StandardDeviation(outputs[2 * k + 1]),
                HeadKind.Binary => HeadOutput.Probability(outputs[k]),
                _ => outputs[k],
            };
        }

        Add(hash, shown);
    }

    return Convert.ToHexString(hash.GetHashAndReset());
}

static string Training(CellKind cell, int highway = 0)
{
    var shape = new ModelShape(cell, Math.Max(3, highway), 24, 1, HeadKind.Gaussian, HighwayInputs: highway);
    var weights = ModelWeights.CreateScratch(shape);
    weights.Overwrite(ModelWeights.Initialize(shape, seed: 5).Parameters, 1);
    const int Window = 12, Updates = 25;
    var bptt = new BackpropagationThroughTime(shape, Window);
    var adam = new Adam(shape.ParameterCount, learningRate: 3e-3f);
    float[] parameters = weights.Parameters.ToArray();
    float[] gradient = new float[shape.ParameterCount];
    float[] start = new float[shape.StateSize];
    float[] inputs = new float[Window * shape.InputSize];
    float[] targets = new float[Window];
    float[] targetWeights = new float[Window];
    var network = new RecurrentNetwork(shape, 1);
    float[] output = new float[shape.HeadOutputSize];
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    for (int update = 0; update < Updates; update++)
    {
        for (int t = 0; t < Window; t++)
        {
            for (int i = 0; i < shape.InputSize; i++)
            {
                inputs[t * shape.InputSize + i] = Input(update * Window + t, 1, i);
            }

            targets[t] = Input(update * Window + t + 1, 1, 0);
            targetWeights[t] = t < 2 ? 0f : 1f;
        }

        Array.Clear(gradient);
        double loss = bptt.Accumulate(weights, start, inputs, targets, targetWeights, gradient, out _);
        float norm = GradientClipping.ClipByGlobalNorm(gradient, 0.5f);
        adam.Step(parameters, gradient);
        weights.Overwrite(parameters, update + 2);
        Add(hash, gradient);
        Add(hash, parameters);
        Add(hash, [(float)loss, norm]);
        for (int t = 0; t < Window; t++)
        {
            network.Step(weights, inputs.AsSpan(t * shape.InputSize, shape.InputSize), start, output);
        }

        Add(hash, start);
        Add(hash, output);
    }

    return Convert.ToHexString(hash.GetHashAndReset());
}

// The scalar functions the engine's feature transforms (ln) and the heads (exp, σ) use, over a wide sweep.
static string ScalarFunctions()
{
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    double[] values = new double[3];
    double x = 1e-300;
    for (int i = 0; x < 1e300; i++, x *= 1.0137)
    {
        values[0] = StreamRnn.Core.Numerics.PortableMath.Log(x);
        values[1] = StreamRnn.Core.Numerics.PortableMath.Exp(-708 + i * 0.0283);
        values[2] = StreamRnn.Core.Numerics.PortableMath.Sigmoid(-40 + i * 0.0016);
        hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    return Convert.ToHexString(hash.GetHashAndReset());
}

static string BatchedTraining(CellKind cell, int highway = 0)
{
    // 13 windows (a tail in every kernel width) through the batched TBPTT (forward and backward as GEMMs over the
    // batch), clipped, Adam: the trained parameters must not depend on the CPU either.
    var shape = new ModelShape(cell, Math.Max(3, highway), 24, 2, HeadKind.Gaussian, HighwayInputs: highway);
    var weights = ModelWeights.CreateScratch(shape);
    weights.Overwrite(ModelWeights.Initialize(shape, seed: 9).Parameters, 1);
    const int Batch = 13, Window = 10, Updates = 12;
    var bptt = new BatchedBackpropagationThroughTime(shape, Window, Batch);
    var adam = new Adam(shape.ParameterCount, learningRate: 3e-3f);
    float[] parameters = weights.Parameters.ToArray();
    float[] gradient = new float[shape.ParameterCount];
    float[] starts = new float[Batch * shape.StateSize];
    float[] inputs = new float[Batch * Window * shape.InputSize];
    float[] targets = new float[Batch * Window];
    float[] targetWeights = new float[Batch * Window];
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    for (int update = 0; update < Updates; update++)
    {
        for (int b = 0; b < Batch; b++)
        {
            for (int t = 0; t < Window; t++)
            {
                for (int i = 0; i < shape.InputSize; i++)
                {
                    inputs[(b * Window + t) * shape.InputSize + i] = Input(update * Window + t, b, i);
                }

                targets[b * Window + t] = Input(update * Window + t + 1, b, 0);
                targetWeights[b * Window + t] = t < 2 ? 0f : 1f;
            }

            for (int i = 0; i < shape.StateSize; i++)
            {
                starts[b * shape.StateSize + i] = 0.1f * Input(update, b, i);
            }
        }

        Array.Clear(gradient);
        double loss = bptt.Accumulate(weights, Batch, Window, starts, inputs, targets, targetWeights, gradient, out _);
        float norm = GradientClipping.ClipByGlobalNorm(gradient, 0.5f);
        adam.Step(parameters, gradient);
        weights.Overwrite(parameters, update + 2);
        Add(hash, gradient);
        Add(hash, parameters);
        Add(hash, [(float)loss, norm]);
    }

    return Convert.ToHexString(hash.GetHashAndReset());
}

// The Categorical head: batched TBPTT on class-index targets (softmax cross-entropy through PortableMath), Adam, then
// the trained model's steps and their softmax probabilities.
static string CategoricalTraining()
{
    var shape = new ModelShape(CellKind.Lstm, 3, 20, 1, HeadKind.Categorical, Classes: 4);
    var weights = ModelWeights.CreateScratch(shape);
    weights.Overwrite(ModelWeights.Initialize(shape, seed: 3).Parameters, 1);
    const int Batch = 7, Window = 10, Updates = 12;
    var bptt = new BatchedBackpropagationThroughTime(shape, Window, Batch);
    var adam = new Adam(shape.ParameterCount, learningRate: 3e-3f);
    float[] parameters = weights.Parameters.ToArray();
    float[] gradient = new float[shape.ParameterCount];
    float[] starts = new float[Batch * shape.StateSize];
    float[] inputs = new float[Batch * Window * shape.InputSize];
    float[] targets = new float[Batch * Window];
    float[] targetWeights = new float[Batch * Window];
    var network = new RecurrentNetwork(shape, 1);
    float[] output = new float[shape.HeadOutputSize];
    float[] probabilities = new float[shape.HeadOutputSize];
    float[] state = new float[shape.StateSize];
    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    for (int update = 0; update < Updates; update++)
    {
        for (int b = 0; b < Batch; b++)
        {
            for (int t = 0; t < Window; t++)
            {
                for (int i = 0; i < shape.InputSize; i++)
                {
                    inputs[(b * Window + t) * shape.InputSize + i] = Input(update * Window + t, b, i);
                }

                float next = Input(update * Window + t + 1, b, 0);
                targets[b * Window + t] = Math.Clamp((int)MathF.Floor((next + 1.25f) * 1.6f), 0, 3);
                targetWeights[b * Window + t] = t < 2 ? 0f : 1f + (t % 3);
            }
        }

        Array.Clear(gradient);
        double loss = bptt.Accumulate(weights, Batch, Window, starts, inputs, targets, targetWeights, gradient, out _);
        float norm = GradientClipping.ClipByGlobalNorm(gradient, 0.5f);
        adam.Step(parameters, gradient);
        weights.Overwrite(parameters, update + 2);
        Add(hash, gradient);
        Add(hash, parameters);
        Add(hash, [(float)loss, norm]);
        for (int t = 0; t < Window; t++)
        {
            network.Step(weights, inputs.AsSpan(t * shape.InputSize, shape.InputSize), state, output);
            HeadOutput.Probabilities(output, probabilities);
            Add(hash, output);
            Add(hash, probabilities);
        }
    }

    return Convert.ToHexString(hash.GetHashAndReset());
}

static void Add(IncrementalHash hash, ReadOnlySpan<float> values) => hash.AppendData(MemoryMarshal.AsBytes(values));
