using System.Diagnostics;
using System.Numerics.Tensors;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;

namespace StreamRnn.Daemon.Training;

/// <summary>
/// Trains a pipeline's model on a history before it goes live: the windows the daemon would assemble from those rows
/// (<see cref="HistoryReplay"/>), several epochs of truncated BPTT over them in shuffled mini-batches (each one batched through the packed GEMM, <see cref="BatchedBackpropagationThroughTime"/>), a validation
/// split by time with early stopping, and a cosine learning-rate schedule. <c>streamrnn train</c> and the daemon's
/// <c>Model:BootstrapCsv</c> run this same code.
/// </summary>
/// <remarks>
/// <para>Split: rows are in event-time order; the last ValidationShare of them (by default 20 %) validate. Windows
/// completed before the first validation row train, the others validate; keys are not held out, time is.</para>
/// <para>An epoch: the training windows in a fresh random order (one seeded generator for the run), so a mini-batch
/// mixes keys and times; per mini-batch of B windows, as the online trainer does,
/// g = (Σ_w ∇L_w(θ)) / Σ_w Σ_t weight_w,t;  g ← g · min(1, c / ‖g‖₂);  θ ← Adam(θ, g, η_t), with the pipeline's
/// BatchWindows, GradientClipNorm and WeightDecay, and the cosine schedule η_t = ½ η (1 + cos(π t / T)) over the
/// T = Epochs · ⌈windows / B⌉ steps planned.</para>
/// <para>After each epoch the history is replayed with the new weights, so every window's start state is the state
/// those weights reach there (as it would be live), and both losses are those weights' Σ loss / Σ weight on the
/// training and on the validation windows. The best epoch by validation loss is kept (epoch 0 is the starting
/// model); training stops after Epochs, or after Patience epochs without a better validation loss.</para>
/// </remarks>
internal static class HistoryTrainer
{
    public static HistoryTrainingResult Train(PipelineDefinition definition, BacktestInput input, ModelWeights start,
        HistoryTrainingOptions options, Action<EpochResult>? onEpoch = null)
    {
        // Windows exist only with Training:Enabled; offline training needs them whether or not the pipeline trains live.
        bool enabled = definition.Training.Enabled;
        definition.Training.Enabled = true;
        try
        {
            return TrainEnabled(definition, input, start, options, onEpoch);
        }
        finally
        {
            definition.Training.Enabled = enabled;
        }
    }

    private static HistoryTrainingResult TrainEnabled(PipelineDefinition definition, BacktestInput input, ModelWeights start,
        HistoryTrainingOptions options, Action<EpochResult>? onEpoch)
    {
        long began = Stopwatch.GetTimestamp();
        var training = definition.Training;
        var shape = start.Shape;
        int rows = input.Rows.Length;
        int validationStart = rows - (int)Math.Round(rows * options.ValidationShare);
        if (rows == 0 || validationStart <= 0 || validationStart >= rows)
        {
            throw new BacktestException(2, $"the file has {rows} rows: too few to keep {options.ValidationShare:P0} of them for validation.");
        }

        long epochStarted = Stopwatch.GetTimestamp();
        var windows = HistoryReplay.Collect(definition, input, start, validationStart, options.BatchRows);
        if (windows.TrainingCount == 0 || windows.WeightSum(0, windows.TrainingCount) <= 0)
        {
            throw new BacktestException(2,
                $"no training windows: the first {validationStart} rows complete no window of Training:WindowSteps = {training.WindowSteps} steps with a target.");
        }

        if (windows.ValidationCount == 0 || windows.WeightSum(windows.TrainingCount, windows.ValidationCount) <= 0)
        {
            throw new BacktestException(2,
                $"no validation windows: the last {rows - validationStart} rows complete no window of Training:WindowSteps = {training.WindowSteps} steps with a target.");
        }

        int trainingWindows = windows.TrainingCount, validationWindows = windows.ValidationCount;
        var baselines = TrainingBaselines.Compute(windows, shape.Head);
        int batch = training.BatchWindows;
        var bptt = new BatchedBackpropagationThroughTime(shape, training.WindowSteps, Math.Max(batch, EvaluationBatch));
        var miniBatch = new MiniBatch(shape.StateSize, shape.InputSize, training.WindowSteps, batch, shape.Horizons);
        var (firstTraining, firstValidation) = Losses(bptt, start, windows);
        var epochs = new List<EpochResult> { new(0, firstTraining, firstValidation, 0, 0, Stopwatch.GetElapsedTime(epochStarted), true) };
        onEpoch?.Invoke(epochs[0]);

        double peak = options.LearningRate ?? training.LearningRate;
        long plannedSteps = (long)options.Epochs * ((trainingWindows + batch - 1) / batch);
        float[] parameters = start.Parameters.ToArray();
        float[] gradient = new float[shape.ParameterCount];
        var adam = new Adam(shape.ParameterCount, (float)peak, weightDecay: (float)training.WeightDecay);
        var scratch = ModelWeights.CreateScratch(shape);
        var random = new Random(options.Seed);
        int[] order = [];
        long step = 0;
        var best = start;
        double bestLoss = firstValidation;
        int bestEpoch = 0, sinceBest = 0;
        string stopReason = "epochs";
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            epochStarted = Stopwatch.GetTimestamp();
            if (order.Length != windows.TrainingCount)
            {
                order = new int[windows.TrainingCount];
            }

            for (int i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            random.Shuffle(order);
            int steps = 0;
            double rate = 0;
            bool finite = true;
            for (int first = 0; first < order.Length && finite; first += batch)
            {
                scratch.Overwrite(parameters, start.Version);
                Array.Clear(gradient);
                int count = Math.Min(batch, order.Length - first);
                miniBatch.Gather(windows, order.AsSpan(first, count));
                double loss = bptt.Accumulate(scratch, count, windows.Steps, miniBatch.StartStates(count), miniBatch.Inputs(count),
                    miniBatch.Targets(count), miniBatch.TargetWeights(count), gradient, out double weight);

                if (weight <= 0)
                {
                    continue;
                }

                TensorPrimitives.Multiply(gradient, (float)(1.0 / weight), gradient);
                float norm = GradientClipping.ClipByGlobalNorm(gradient, (float)training.GradientClipNorm);
                if (!double.IsFinite(loss) || float.IsNaN(norm))
                {
                    finite = false;
                    break;
                }

                rate = 0.5 * peak * (1 + Math.Cos(Math.PI * Math.Min(step, plannedSteps) / plannedSteps));
                adam.LearningRate = (float)rate;
                adam.Step(parameters, gradient);
                step++;
                steps++;
                finite = TensorPrimitives.IsFiniteAll<float>(parameters);
            }

            if (!finite)
            {
                stopReason = "non-finite";
                break;
            }

            var current = ModelWeights.FromParameters(shape, parameters, start.Version + 1);
            windows = HistoryReplay.Collect(definition, input, current, validationStart, options.BatchRows);
            var (trainingLoss, validationLoss) = Losses(bptt, current, windows);
            bool better = validationLoss < bestLoss;
            var result = new EpochResult(epoch, trainingLoss, validationLoss, rate, steps, Stopwatch.GetElapsedTime(epochStarted), better);
            epochs.Add(result);
            onEpoch?.Invoke(result);
            if (better)
            {
                best = current;
                bestLoss = validationLoss;
                bestEpoch = epoch;
                sinceBest = 0;
            }
            else if (++sinceBest >= options.Patience)
            {
                stopReason = "patience";
                break;
            }
        }

        return new HistoryTrainingResult(best, epochs, bestEpoch, stopReason, rows, validationStart, trainingWindows,
            validationWindows, baselines, peak, batch, Stopwatch.GetElapsedTime(began));
    }

    /// <summary>The weights' mean loss (Σ loss / Σ weight) on the training and on the validation windows.</summary>
    internal static (double Training, double Validation) Losses(BatchedBackpropagationThroughTime bptt, ModelWeights weights, TrainingWindowSet windows) =>
        (Loss(bptt, weights, windows, 0, windows.TrainingCount), Loss(bptt, weights, windows, windows.TrainingCount, windows.ValidationCount));

    /// <summary>Windows evaluated together (consecutive windows are contiguous, so no gathering).</summary>
    internal const int EvaluationBatch = 256;

    private static double Loss(BatchedBackpropagationThroughTime bptt, ModelWeights weights, TrainingWindowSet windows, int first, int count)
    {
        double loss = 0, weightSum = 0;
        for (int at = first; at < first + count; at += bptt.MaxBatch)
        {
            int n = Math.Min(bptt.MaxBatch, first + count - at);
            loss += bptt.Evaluate(weights, n, windows.Steps, windows.StartStates(at, n), windows.Inputs(at, n), windows.Targets(at, n),
                windows.TargetWeights(at, n), out double chunkWeight);
            weightSum += chunkWeight;
        }

        return weightSum > 0 ? loss / weightSum : double.NaN;
    }
}
