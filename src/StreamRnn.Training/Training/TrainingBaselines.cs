using StreamRnn.Core;

namespace StreamRnn.Daemon.Training;

/// <summary>
/// Simple forecasters fitted on the training windows and scored on the validation windows with the model's own loss,
/// so the per-epoch losses of the network can be read against them.
/// </summary>
/// <remarks>
/// <para>Targets are standardised as the network sees them: z = (y_{t+h} − μ_t) / σ_t with the key's running
/// statistics (raw 0/1 for a Binary head).</para>
/// <para>"mean" predicts z = 0, the target's running mean: for a Difference or LogReturn target that is persistence
/// (no change) plus the running drift. "linear" (Linear and Gaussian heads) is least squares of z on the step's network
/// inputs and a constant, ẑ = aᵀx_t + b: with the target's own lag among the inputs (a Difference feature of the target
/// field) this is the AR(1) on the changes. A Gaussian head's baselines get the log-variance v = log(mean squared
/// residual on the training windows), clamped like the head's; the loss is then ½(v + (z − ẑ)² e^(−v)). With
/// Target:Horizons each horizon gets its own fit on its known targets, and the loss is the horizons' losses summed per
/// unit of step weight, as the network's. A Binary
/// head's "mean" predicts the training base rate p and scores the cross-entropy; a Categorical head's the training class
/// frequencies (add-one smoothed), scored by the categorical cross-entropy.</para>
/// </remarks>
internal static class TrainingBaselines
{
    public static IReadOnlyList<BaselineLoss> Compute(TrainingWindowSet windows, HeadKind head)
    {
        if (head == HeadKind.Categorical)
        {
            return [new BaselineLoss("mean", "the training windows' class frequencies", CategoricalLoss(windows))];
        }

        if (head == HeadKind.Binary)
        {
            double rate = WeightedMean(windows, 0, windows.TrainingCount);
            rate = Math.Clamp(rate, 1e-6, 1 - 1e-6);
            return [new BaselineLoss("mean", "the training windows' base rate", BinaryLoss(windows, rate))];
        }

        double[][] mean = new double[windows.Horizons][];
        double[][] linear = new double[windows.Horizons][];
        for (int h = 0; h < windows.Horizons; h++)
        {
            mean[h] = new double[windows.InputSize + 1];
            linear[h] = FitLinear(windows, h);
        }

        return
        [
            Score(windows, head, mean, "mean", "the target's running mean (z = 0): for a change target, persistence plus drift"),
            Score(windows, head, linear, "linear", "least squares on the step's inputs (AR(1) on the changes when the target's own change is an input)"),
        ];
    }

    private static BaselineLoss Score(TrainingWindowSet windows, HeadKind head, double[][] coefficients, string name, string description)
    {
        int horizons = windows.Horizons;
        double[] perHorizon = new double[horizons];
        double sum = 0;
        for (int h = 0; h < horizons; h++)
        {
            double trainingSquared = SquaredError(windows, coefficients[h], h, 0, windows.TrainingCount, out double trainingWeight);
            double validationSquared = SquaredError(windows, coefficients[h], h, windows.TrainingCount, windows.ValidationCount, out double validationWeight);
            if (head == HeadKind.Gaussian)
            {
                double v = Math.Clamp(Math.Log(Math.Max(trainingSquared / trainingWeight, 1e-30)), HeadOutput.MinLogVariance, HeadOutput.MaxLogVariance);
                perHorizon[h] = 0.5 * (v + validationSquared / validationWeight * Math.Exp(-v));
            }
            else
            {
                perHorizon[h] = validationSquared / validationWeight;
            }

            sum += perHorizon[h] * validationWeight;
        }

        // Several horizons: the model's loss is Σ over a step's known horizons per unit of step weight, so the sum is too.
        double loss = horizons == 1 ? perHorizon[0] : sum / windows.WeightSum(windows.TrainingCount, windows.ValidationCount);
        return new BaselineLoss(name, description, loss, horizons == 1 ? null : perHorizon);
    }

    /// <summary>
    /// Σ w (z − ẑ)² over horizon <paramref name="horizon"/>'s known targets of the windows [first, first + count), with
    /// ẑ = aᵀx + b (b the last coefficient).
    /// </summary>
    private static double SquaredError(TrainingWindowSet windows, double[] coefficients, int horizon, int first, int count, out double weightSum)
    {
        int n = windows.InputSize, horizons = windows.Horizons;
        double sum = 0;
        weightSum = 0;
        for (int w = first; w < first + count; w++)
        {
            var inputs = windows.Inputs(w);
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                float target = targets[t * horizons + horizon];
                if (weights[t] <= 0 || float.IsNaN(target))
                {
                    continue;
                }

                double prediction = coefficients[n];
                for (int i = 0; i < n; i++)
                {
                    prediction += coefficients[i] * inputs[t * n + i];
                }

                double error = target - prediction;
                sum += weights[t] * error * error;
                weightSum += weights[t];
            }
        }

        return sum;
    }

    /// <summary>Weighted least squares of one horizon's known targets on the training windows through the normal equations, with a tiny ridge.</summary>
    private static double[] FitLinear(TrainingWindowSet windows, int horizon)
    {
        int n = windows.InputSize, m = n + 1, horizons = windows.Horizons;
        double[,] a = new double[m, m];
        double[] b = new double[m];
        double[] x = new double[m];
        for (int w = 0; w < windows.TrainingCount; w++)
        {
            var inputs = windows.Inputs(w);
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                double weight = weights[t];
                float target = targets[t * horizons + horizon];
                if (weight <= 0 || float.IsNaN(target))
                {
                    continue;
                }

                for (int i = 0; i < n; i++)
                {
                    x[i] = inputs[t * n + i];
                }

                x[n] = 1;
                for (int i = 0; i < m; i++)
                {
                    b[i] += weight * x[i] * target;
                    for (int j = 0; j < m; j++)
                    {
                        a[i, j] += weight * x[i] * x[j];
                    }
                }
            }
        }

        double trace = 0;
        for (int i = 0; i < m; i++)
        {
            trace += a[i, i];
        }

        for (int i = 0; i < m; i++)
        {
            a[i, i] += 1e-9 * trace / m + 1e-12;
        }

        return Solve(a, b);
    }

    /// <summary>Gaussian elimination with partial pivoting (the system is small: inputs + 1).</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        int m = b.Length;
        for (int column = 0; column < m; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < m; row++)
            {
                if (Math.Abs(a[row, column]) > Math.Abs(a[pivot, column]))
                {
                    pivot = row;
                }
            }

            for (int j = 0; j < m; j++)
            {
                (a[column, j], a[pivot, j]) = (a[pivot, j], a[column, j]);
            }

            (b[column], b[pivot]) = (b[pivot], b[column]);
            for (int row = column + 1; row < m; row++)
            {
                double factor = a[row, column] / a[column, column];
                for (int j = column; j < m; j++)
                {
                    a[row, j] -= factor * a[column, j];
                }

                b[row] -= factor * b[column];
            }
        }

        double[] solution = new double[m];
        for (int row = m - 1; row >= 0; row--)
        {
            double sum = b[row];
            for (int j = row + 1; j < m; j++)
            {
                sum -= a[row, j] * solution[j];
            }

            solution[row] = sum / a[row, row];
        }

        return solution;
    }

    private static double WeightedMean(TrainingWindowSet windows, int first, int count)
    {
        double sum = 0, weightSum = 0;
        for (int w = first; w < first + count; w++)
        {
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                if (weights[t] > 0)
                {
                    sum += weights[t] * targets[t];
                    weightSum += weights[t];
                }
            }
        }

        return weightSum > 0 ? sum / weightSum : 0.5;
    }

    private static double BinaryLoss(TrainingWindowSet windows, double rate)
    {
        double sum = 0, weightSum = 0;
        for (int w = windows.TrainingCount; w < windows.Count; w++)
        {
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                if (weights[t] > 0)
                {
                    sum -= weights[t] * (targets[t] * Math.Log(rate) + (1 - targets[t]) * Math.Log(1 - rate));
                    weightSum += weights[t];
                }
            }
        }

        return sum / weightSum;
    }

    private static double CategoricalLoss(TrainingWindowSet windows)
    {
        int classes = 0;
        for (int w = 0; w < windows.Count; w++)
        {
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                if (weights[t] > 0)
                {
                    classes = Math.Max(classes, (int)targets[t] + 1);
                }
            }
        }

        double[] counts = new double[classes];
        double total = classes;
        Array.Fill(counts, 1.0);
        for (int w = 0; w < windows.TrainingCount; w++)
        {
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                if (weights[t] > 0)
                {
                    counts[(int)targets[t]] += weights[t];
                    total += weights[t];
                }
            }
        }

        double sum = 0, weightSum = 0;
        for (int w = windows.TrainingCount; w < windows.Count; w++)
        {
            var targets = windows.Targets(w);
            var weights = windows.TargetWeights(w);
            for (int t = 0; t < windows.Steps; t++)
            {
                if (weights[t] > 0)
                {
                    sum -= weights[t] * Math.Log(counts[(int)targets[t]] / total);
                    weightSum += weights[t];
                }
            }
        }

        return sum / weightSum;
    }
}
