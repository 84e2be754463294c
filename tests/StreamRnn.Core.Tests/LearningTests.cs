using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace StreamRnn.Core.Tests;

/// <summary>
/// The whole training path (inference state, TBPTT windows from stored start states, clipping, Adam, new weight
/// snapshots) learns something real on recorded data, measured against the naive forecast that matters.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LearningTests(ITestOutputHelper output)
{
    private static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    /// <summary>
    /// NYC taxi demand (30-minute counts), one step ahead. Persistence (next = last) has MAE ≈ 1,200 passengers here:
    /// demand moves along smooth daily curves, so the next change is predictable from the recent ones and the level.
    /// Trained online, single pass: at each time t the window of the last 24 steps ending at t − 1 (whose last target
    /// z_t − z_{t−1} has just become known) is backpropagated from the state stored at its start, then Adam updates
    /// and a new weight snapshot is used from the next step on. The last 1,000 points are held out (frozen weights).
    /// </summary>
    [Theory]
    [InlineData(CellKind.Lstm, 0.9)]
    [InlineData(CellKind.Gru, 0.9)]
    public void OnlineTbpttBeatsPersistenceOnNycTaxi(CellKind cell, double maxRatio)
    {
        var watch = Stopwatch.StartNew();
        float[] raw = File.ReadLines(DataPath("nyc_taxi_first4000.csv")).Skip(1)
            .Select(line => float.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4000, raw.Length);
        const int trainEnd = 3000, window = 24;
        double mean = raw[..trainEnd].Average();
        double std = Math.Sqrt(raw[..trainEnd].Select(v => (v - mean) * (v - mean)).Average());
        float[] z = raw.Select(v => (float)((v - mean) / std)).ToArray();

        // x_t = [z_t, z_t − z_{t−1}] (t ≥ 1); y_t = z_{t+1} − z_t, the change to predict.
        int n = z.Length;
        float[] inputs = new float[n * 2];
        float[] targets = new float[n];
        for (int t = 1; t < n; t++)
        {
            inputs[2 * t] = z[t];
            inputs[2 * t + 1] = z[t] - z[t - 1];
            targets[t] = t + 1 < n ? z[t + 1] - z[t] : 0f;
        }

        var shape = new ModelShape(cell, 2, 16, 1, HeadKind.Linear);
        var weights = ModelWeights.Initialize(shape, seed: 42);
        var network = new RecurrentNetwork(shape, 1);
        var trainer = new BackpropagationThroughTime(shape, window);
        var adam = new Adam(shape.ParameterCount, learningRate: 3e-3f);
        float[] parameters = weights.Parameters.ToArray();
        float[] gradient = new float[shape.ParameterCount];
        float[] targetWeights = Enumerable.Repeat(1f, window).ToArray();
        float[] statesBefore = new float[n * shape.StateSize];
        float[] state = new float[shape.StateSize];
        float[] prediction = new float[1];
        double modelError = 0, persistenceError = 0;
        int scored = 0;
        for (int t = 1; t < n - 1; t++)
        {
            state.CopyTo(statesBefore, t * shape.StateSize);
            Assert.Equal(StepStatus.Ok, network.Step(weights, inputs.AsSpan(2 * t, 2), state, prediction));
            if (t >= trainEnd)
            {
                modelError += Math.Abs(prediction[0] - targets[t]) * std;
                persistenceError += Math.Abs(targets[t]) * std;
                scored++;
                continue;
            }

            int first = t - window; // window t−24 … t−1, its targets known once z_t is.
            if (first >= 1)
            {
                Array.Clear(gradient);
                trainer.Accumulate(weights, statesBefore.AsSpan(first * shape.StateSize, shape.StateSize), inputs.AsSpan(2 * first, 2 * window),
                    targets.AsSpan(first, window), targetWeights, gradient, out double weightSum);
                TensorScale(gradient, (float)(1 / weightSum));
                Assert.False(float.IsNaN(GradientClipping.ClipByGlobalNorm(gradient, 1f)));
                adam.Step(parameters, gradient);
                weights = ModelWeights.FromParameters(shape, parameters, weights.Version + 1);
            }
        }

        double model = modelError / scored, persistence = persistenceError / scored;
        output.WriteLine($"{cell}: held-out MAE {model:F1} vs persistence {persistence:F1} (ratio {model / persistence:F3}) over {scored} steps, {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(model <= maxRatio * persistence, $"model MAE {model:F1} is not ≤ {maxRatio} × persistence MAE {persistence:F1}");
    }

    /// <summary>
    /// In-bed detection from the batteryless RFID sensor (accelerometer, antenna, RSSI). Trained on 20 trials with
    /// TBPTT windows (from the inference state at each window's start), scored on 10 other trials against the
    /// base-rate forecast (always predict the training in-bed fraction) and the majority class.
    /// </summary>
    [Fact]
    public void BinaryHeadLearnsInBedFromRfidTrialsBetterThanBaseRate()
    {
        var watch = Stopwatch.StartNew();
        var trials = new List<(float[] Inputs, float[] InBed)>();
        const int features = 8;
        foreach (var trial in File.ReadLines(DataPath("torres_rfid_room1_trials_first30.csv")).Skip(1)
            .Select(line => line.Split(',')).GroupBy(fields => fields[0]))
        {
            string[][] rows = trial.ToArray();
            float[] x = new float[rows.Length * features];
            float[] y = new float[rows.Length];
            for (int t = 0; t < rows.Length; t++)
            {
                float Field(int i) => float.Parse(rows[t][i], CultureInfo.InvariantCulture);
                x[t * features] = Field(2);
                x[t * features + 1] = Field(3);
                x[t * features + 2] = Field(4);
                x[t * features + 3] = (Field(6) + 58f) / 6f; // RSSI in dBm, roughly centred and scaled
                x[t * features + 3 + (int)Field(5)] = 1f;   // antenna 1..4, one-hot
                y[t] = Field(8);
            }

            trials.Add((x, y));
        }

        Assert.Equal(30, trials.Count);
        // Every third trial is held out, so both sets hold early (male, d1p01M…) and late trials of the recording order.
        var train = trials.Where((_, i) => i % 3 != 2).ToList();
        var test = trials.Where((_, i) => i % 3 == 2).ToList();

        var shape = new ModelShape(CellKind.Gru, features, 16, 1, HeadKind.Binary);
        var weights = ModelWeights.Initialize(shape, seed: 7);
        var network = new RecurrentNetwork(shape, 1);
        const int window = 16, stride = 2;
        var trainer = new BackpropagationThroughTime(shape, window);
        var adam = new Adam(shape.ParameterCount, learningRate: 5e-3f);
        float[] parameters = weights.Parameters.ToArray();
        float[] gradient = new float[shape.ParameterCount];
        float[] ones = Enumerable.Repeat(1f, window).ToArray();
        float[] logit = new float[1];
        for (int epoch = 0; epoch < 4; epoch++)
        {
            foreach ((float[] x, float[] y) in train)
            {
                int length = y.Length;
                float[] states = new float[(length + 1) * shape.StateSize];
                for (int t = 0; t < length; t++)
                {
                    var next = states.AsSpan((t + 1) * shape.StateSize, shape.StateSize);
                    states.AsSpan(t * shape.StateSize, shape.StateSize).CopyTo(next);
                    network.Step(weights, x.AsSpan(t * features, features), next, logit);
                    int first = t + 1 - window;
                    if (first >= 0 && t % stride == 0)
                    {
                        Array.Clear(gradient);
                        trainer.Accumulate(weights, states.AsSpan(first * shape.StateSize, shape.StateSize), x.AsSpan(first * features, window * features),
                            y.AsSpan(first, window), ones, gradient, out double weightSum);
                        TensorScale(gradient, (float)(1 / weightSum));
                        GradientClipping.ClipByGlobalNorm(gradient, 1f);
                        adam.Step(parameters, gradient);
                        weights = ModelWeights.FromParameters(shape, parameters, weights.Version + 1);
                    }
                }
            }
        }

        double baseRate = train.Sum(trial => trial.InBed.Sum()) / train.Sum(trial => trial.InBed.Length);
        double modelLoss = 0, baseLoss = 0;
        int correct = 0, majorityCorrect = 0, count = 0;
        foreach ((float[] x, float[] y) in test)
        {
            float[] state = new float[shape.StateSize];
            for (int t = 0; t < y.Length; t++)
            {
                network.Step(weights, x.AsSpan(t * features, features), state, logit);
                double p = Math.Clamp(HeadOutput.Probability(logit[0]), 1e-6, 1 - 1e-6);
                modelLoss -= y[t] == 1 ? Math.Log(p) : Math.Log(1 - p);
                baseLoss -= y[t] == 1 ? Math.Log(baseRate) : Math.Log(1 - baseRate);
                correct += (p >= 0.5) == (y[t] == 1) ? 1 : 0;
                majorityCorrect += (baseRate >= 0.5) == (y[t] == 1) ? 1 : 0;
                count++;
            }
        }

        double accuracy = (double)correct / count, majority = (double)majorityCorrect / count;
        output.WriteLine($"held-out {count} readings: log-loss {modelLoss / count:F3} vs base rate {baseLoss / count:F3}; " +
            $"accuracy {accuracy:P1} vs majority {majority:P1}; {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(modelLoss <= 0.5 * baseLoss, $"log-loss {modelLoss / count:F3} is not ≤ 0.5 × base rate {baseLoss / count:F3}");
        Assert.True(accuracy >= majority + 0.05, $"accuracy {accuracy:P1} does not beat the majority class {majority:P1} by 5 points");
    }

    private static void TensorScale(Span<float> values, float factor) =>
        System.Numerics.Tensors.TensorPrimitives.Multiply(values, factor, values);
}
