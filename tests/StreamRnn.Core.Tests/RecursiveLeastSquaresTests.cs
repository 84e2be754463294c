using StreamRnn.Core.Numerics;

namespace StreamRnn.Core.Tests;

[Trait("Category", "Unit")]

public sealed class RecursiveLeastSquaresTests
{
    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.99)]
    [InlineData(5, 0.995)]
    [InlineData(8, 0.9)]
    public void Matches_the_weighted_ridge_solution_computed_in_one_go(int n, double forgetting)
    {
        const double delta = 50;
        const int count = 300;
        var random = new Random(n * 1000 + (int)(forgetting * 1000));
        double[] truth = new double[n];
        for (int i = 0; i < n; i++)
        {
            truth[i] = random.NextDouble() * 2 - 1;
        }

        double[] state = new double[RecursiveLeastSquares.StateLength(n)];
        RecursiveLeastSquares.Initialize(state, n, delta);
        double[][] xs = new double[count][];
        double[] ys = new double[count];
        for (int t = 0; t < count; t++)
        {
            xs[t] = new double[n];
            for (int i = 0; i < n; i++)
            {
                xs[t][i] = random.NextDouble() * 4 - 2;
            }

            ys[t] = Dot(truth, xs[t]) + 0.3 * (random.NextDouble() - 0.5);
            Assert.True(RecursiveLeastSquares.Update(state, xs[t], ys[t], forgetting, double.PositiveInfinity));
        }

        // Normal equations of Σ λ^(T−t) (y_t − wᵀx_t)² + λ^T ‖w‖² / δ, solved by Gaussian elimination.
        double[,] a = new double[n, n + 1];
        for (int i = 0; i < n; i++)
        {
            a[i, i] = Math.Pow(forgetting, count) / delta;
        }

        for (int t = 0; t < count; t++)
        {
            double weight = Math.Pow(forgetting, count - 1 - t);
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    a[i, j] += weight * xs[t][i] * xs[t][j];
                }

                a[i, n] += weight * xs[t][i] * ys[t];
            }
        }

        double[] expected = Solve(a, n);
        var w = RecursiveLeastSquares.Coefficients(state, n);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(expected[i], w[i], 1e-9);
        }

        Assert.Equal(Dot(expected, xs[0]), RecursiveLeastSquares.Predict(state, xs[0]), 1e-9);
    }

    [Fact]
    public void Starts_at_zero_and_recovers_an_autoregression()
    {
        // y_t = 0.7 y_{t−1} − 0.2 y_{t−2} + noise: AR(2) coefficients from the data alone.
        const int n = 2;
        double[] state = new double[RecursiveLeastSquares.StateLength(n)];
        RecursiveLeastSquares.Initialize(state, n, 100);
        Assert.Equal(0, RecursiveLeastSquares.Predict(state, [1.0, 2.0]));
        var random = new Random(7);
        double y1 = 0, y2 = 0;
        for (int t = 0; t < 20_000; t++)
        {
            double y = 0.7 * y1 - 0.2 * y2 + (random.NextDouble() - 0.5);
            RecursiveLeastSquares.Update(state, [y1, y2], y, 1.0, double.PositiveInfinity);
            y2 = y1;
            y1 = y;
        }

        Assert.Equal(0.7, state[0], 0.03);
        Assert.Equal(-0.2, state[1], 0.03);
    }

    [Fact]
    public void The_trace_guard_keeps_an_unexcited_regression_bounded()
    {
        const int n = 3;
        const double delta = 10;
        double[] state = new double[RecursiveLeastSquares.StateLength(n)];
        RecursiveLeastSquares.Initialize(state, n, delta);
        for (int t = 0; t < 100_000; t++)
        {
            Assert.True(RecursiveLeastSquares.Update(state, [0.0, 0.0, 0.0], 0.0, 0.9, delta * n));
        }

        double trace = state[n] + state[n + n + 1] + state[n + 2 * (n + 1)];
        Assert.True(trace <= delta * n / 0.9, $"trace {trace}");

        // One informative observation afterwards moves w by a bounded, sensible amount.
        Assert.True(RecursiveLeastSquares.Update(state, [1.0, 0.0, 0.0], 1.0, 0.9, delta * n));
        Assert.InRange(state[0], 0.9, 1.0);
    }

    [Theory]
    [InlineData(double.NaN, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(1.0, double.NaN)]
    [InlineData(1.0, double.NegativeInfinity)]
    [InlineData(1e200, 1e200)]
    public void A_non_finite_input_or_result_leaves_the_state_untouched(double x0, double y)
    {
        const int n = 2;
        double[] state = new double[RecursiveLeastSquares.StateLength(n)];
        RecursiveLeastSquares.Initialize(state, n, 1000);
        RecursiveLeastSquares.Update(state, [0.5, 0.25], 1.0, 1.0, double.PositiveInfinity);
        double[] before = (double[])state.Clone();
        Assert.False(RecursiveLeastSquares.Update(state, [x0, 1e200], y, 1.0, double.PositiveInfinity));
        Assert.Equal(before, state);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RecursiveLeastSquares.StateLength(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecursiveLeastSquares.StateLength(RecursiveLeastSquares.MaxRegressors + 1));
        Assert.Throws<ArgumentException>(() => RecursiveLeastSquares.Initialize(new double[5], 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecursiveLeastSquares.Initialize(new double[6], 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecursiveLeastSquares.Update(new double[6], [1.0, 1.0], 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecursiveLeastSquares.Update(new double[6], [1.0, 1.0], 1, 1.5, 1));
    }

    [Fact]
    public void Updates_allocate_nothing()
    {
        const int n = 4;
        double[] state = new double[RecursiveLeastSquares.StateLength(n)];
        double[] x = [0.1, -0.2, 0.3, 0.4];
        RecursiveLeastSquares.Initialize(state, n, 10);
        RecursiveLeastSquares.Update(state, x, 1, 0.999, 40);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 1000; t++)
        {
            RecursiveLeastSquares.Update(state, x, t % 3, 0.999, 40);
            RecursiveLeastSquares.Predict(state, x);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double[] Solve(double[,] a, int n)
    {
        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < n; row++)
            {
                if (Math.Abs(a[row, column]) > Math.Abs(a[pivot, column]))
                {
                    pivot = row;
                }
            }

            for (int k = 0; k <= n; k++)
            {
                (a[column, k], a[pivot, k]) = (a[pivot, k], a[column, k]);
            }

            for (int row = 0; row < n; row++)
            {
                if (row == column)
                {
                    continue;
                }

                double factor = a[row, column] / a[column, column];
                for (int k = column; k <= n; k++)
                {
                    a[row, k] -= factor * a[column, k];
                }
            }
        }

        double[] solution = new double[n];
        for (int i = 0; i < n; i++)
        {
            solution[i] = a[i, n] / a[i, i];
        }

        return solution;
    }
}
