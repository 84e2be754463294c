using System.Globalization;
using System.Runtime.CompilerServices;
using StreamRnn.Core;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// Training windows for tests: the NAB machine-temperature slice in Data/ (see NOTICE.md there), z-scored, as a
/// one-step-ahead forecasting task (input x_t, target x_{t+1}); and seeded synthetic windows where only the shape
/// matters.
/// </summary>
internal static class TrainingData
{
    private static readonly Lazy<float[]> Temperatures = new(LoadTemperatures);

    /// <summary>The 2,000 readings, z-scored with their own mean and standard deviation.</summary>
    public static float[] MachineTemperature() => Temperatures.Value;

    /// <summary>
    /// Fills <paramref name="window"/> with steps [start, start + k) of <paramref name="series"/> as inputs and the
    /// following values as targets (weight 1), from a zero start state (a key seen for the first time).
    /// </summary>
    public static void FillForecastWindow(TrainingWindow window, float[] series, int start)
    {
        window.StartState.Clear();
        for (int t = 0; t < window.Steps; t++)
        {
            window.Inputs[t] = series[start + t];
            window.Targets[t] = series[start + t + 1];
            window.TargetWeights[t] = 1f;
        }
    }

    /// <summary>Seeded values in [-1, 1) for every array of the window, all targets weighted 1.</summary>
    public static void FillRandom(TrainingWindow window, Random random)
    {
        for (int i = 0; i < window.StartState.Length; i++)
        {
            window.StartState[i] = (float)(random.NextDouble() * 2 - 1) * 0.5f;
        }

        for (int i = 0; i < window.Inputs.Length; i++)
        {
            window.Inputs[i] = (float)(random.NextDouble() * 2 - 1);
        }

        for (int i = 0; i < window.Targets.Length; i++)
        {
            window.Targets[i] = (float)(random.NextDouble() * 2 - 1);
            window.TargetWeights[i] = 1f;
        }
    }

    /// <summary>Mean loss (Σ loss / Σ weight) of <paramref name="weights"/> over forecast windows of <paramref name="series"/>.</summary>
    public static double MeanLoss(ModelWeights weights, float[] series, int from, int to, int steps, int stride)
    {
        var bptt = new BackpropagationThroughTime(weights.Shape, steps);
        float[] state = new float[weights.Shape.StateSize];
        float[] inputs = new float[steps * weights.Shape.InputSize];
        float[] targets = new float[steps];
        float[] targetWeights = new float[steps];
        double loss = 0;
        double weightSum = 0;
        for (int start = from; start + steps + 1 <= to; start += stride)
        {
            for (int t = 0; t < steps; t++)
            {
                inputs[t] = series[start + t];
                targets[t] = series[start + t + 1];
                targetWeights[t] = 1f;
            }

            loss += bptt.Evaluate(weights, state, inputs, targets, targetWeights, out double w);
            weightSum += w;
        }

        return loss / weightSum;
    }

    /// <summary>Mean squared error of repeating the last value (x̂_{t+1} = x_t) over the same steps as <see cref="MeanLoss"/>.</summary>
    public static double PersistenceMse(float[] series, int from, int to, int steps, int stride)
    {
        double sum = 0;
        int count = 0;
        for (int start = from; start + steps + 1 <= to; start += stride)
        {
            for (int t = 0; t < steps; t++)
            {
                double error = series[start + t + 1] - series[start + t];
                sum += error * error;
                count++;
            }
        }

        return sum / count;
    }

    public static string DataPath(string fileName, [CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "Data", fileName);

    private static float[] LoadTemperatures()
    {
        string[] lines = File.ReadAllLines(DataPath("machine_temperature_first2000.csv"));
        double[] values = new double[lines.Length - 1];
        for (int i = 1; i < lines.Length; i++)
        {
            values[i - 1] = double.Parse(lines[i].AsSpan(lines[i].IndexOf(',') + 1), CultureInfo.InvariantCulture);
        }

        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        double deviation = Math.Sqrt(variance);
        return values.Select(v => (float)((v - mean) / deviation)).ToArray();
    }
}
