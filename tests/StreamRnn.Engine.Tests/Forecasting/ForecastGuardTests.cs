using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Forecasting;

namespace StreamRnn.Engine.Tests;

/// <summary>The Linear path's MAE-aware guard and its conformally calibrated interval multipliers.</summary>
[Trait("Category", "Unit")]
public sealed class ForecastGuardTests
{
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Student-t with 3 degrees of freedom: a normal over √(χ²₃ / 3).</summary>
    private static double StudentT3(Random random)
    {
        double a = Normal(random), b = Normal(random), c = Normal(random);
        return Normal(random) / Math.Sqrt((a * a + b * b + c * c) / 3);
    }

    /// <summary>
    /// A flat server metric with rare jumps that stay half of the time (the changes are 0 ± small noise, and now and
    /// then ±50 that is reverted at the next step or not), and a "network" that always forecasts half a reversion of
    /// the last change: least squares on the spikes pulls the combination away from the median (no change), persistence
    /// is the MAE-best forecaster, and the guard has to serve it.
    /// </summary>
    [Fact]
    public void On_a_spiky_series_the_guarded_forecast_is_within_one_percent_of_persistence_in_MAE()
    {
        var options = new LinearOptions { Enabled = true, Order = 3 };
        var combiner = new LinearCombiner(options, horizon: 1, rawTarget: false);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(3);
        double last = 0, guarded = 0, unguardedError = 0, persistence = 0;
        bool revert = false;
        int scored = 0;
        for (int t = 0; t < 30_000; t++)
        {
            combiner.Forecast(state, 0, 1, -0.5 * last + 0.3 * Normal(random), 1.0, learn: true, out double mean, out _,
                out double unguarded, out _, out _);
            double y = 0.1 * Normal(random);
            if (revert)
            {
                y -= last;
                revert = false;
            }
            else if (random.NextDouble() < 0.02)
            {
                y += random.NextDouble() < 0.5 ? 50 : -50;
                revert = random.NextDouble() < 0.5;
            }

            if (t >= 5_000)
            {
                guarded += Math.Abs(y - mean);
                unguardedError += Math.Abs(y - unguarded);
                persistence += Math.Abs(y);
                scored++;
            }

            combiner.Observe(state, y);
            last = y;
        }

        Assert.True(unguardedError > persistence * 1.01, $"the least-squares combination should lose here: {unguardedError / persistence}");
        Assert.True(guarded <= persistence * 1.01, $"guarded MAE ÷ persistence = {guarded / persistence}");
    }

    /// <summary>y[t] = 0.7·y[t−1] + e[t]: the AR part is the best forecaster and the guard must keep its advantage.</summary>
    [Fact]
    public void On_an_AR1_series_the_guard_keeps_the_autoregression_advantage()
    {
        var options = new LinearOptions { Enabled = true, Order = 2 };
        var combiner = new LinearCombiner(options, horizon: 1, rawTarget: false);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(11);
        double y = 0, guarded = 0, unguardedError = 0, persistence = 0;
        for (int t = 0; t < 20_000; t++)
        {
            // A network that knows nothing (noise): the AR terms carry the forecast.
            combiner.Forecast(state, 0, 1, Normal(random), 1.0, learn: true, out double mean, out _, out double unguarded, out _, out _);
            double next = 0.7 * y + Normal(random);
            if (t >= 5_000)
            {
                guarded += Math.Abs(next - mean);
                unguardedError += Math.Abs(next - unguarded);
                persistence += Math.Abs(next);
            }

            combiner.Observe(state, next);
            y = next;
        }

        Assert.True(guarded <= unguardedError * 1.01, $"guarded ÷ unguarded = {guarded / unguardedError}");
        Assert.True(guarded <= persistence * 0.8, $"guarded ÷ persistence = {guarded / persistence}");
    }

    [Theory]
    [InlineData(0.80)]
    [InlineData(0.95)]
    public void With_Student_t3_errors_both_interval_levels_cover_within_two_points(double unused)
    {
        _ = unused;
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 1, Network = false }, horizon: 1, rawTarget: false);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(29);
        int scored = 0, covered80 = 0, covered95 = 0, gaussian80 = 0;
        for (int t = 0; t < 30_000; t++)
        {
            combiner.Forecast(state, 0, 1, double.NaN, 0.5, learn: true, out double mean, out double spread, out _, out double q80, out double q95);
            double y = 0.5 * StudentT3(random);
            if (t >= 10_000)
            {
                double error = Math.Abs(y - mean);
                scored++;
                covered80 += error <= q80 * spread ? 1 : 0;
                covered95 += error <= q95 * spread ? 1 : 0;
                gaussian80 += error <= ForecastGuard.Z80 * spread ? 1 : 0;
            }

            combiner.Observe(state, y);
        }

        Assert.InRange(covered80 / (double)scored, 0.78, 0.82);
        Assert.InRange(covered95 / (double)scored, 0.93, 0.97);
        // What the Gaussian multiplier gives on the same spread: over-coverage in the middle of a fat-tailed law.
        Assert.True(gaussian80 / (double)scored > 0.83, $"{gaussian80 / (double)scored}");
    }

    /// <summary>
    /// Six steps ahead on a random walk with Student-t(3) steps: the errors of consecutive forecasts overlap (strongly
    /// correlated misses) and each miss is known only h steps later; the multipliers still give the stated coverage,
    /// because each update counts whether the forecast fell outside the interval it was published with.
    /// </summary>
    [Fact]
    public void At_a_horizon_of_six_steps_both_levels_still_cover_within_two_points()
    {
        const int h = 6;
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 1, Network = false }, horizon: h, rawTarget: true);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(41);
        var made = new (double Mean, double Half80, double Half95)[h];
        double level = 0;
        int scored = 0, covered80 = 0, covered95 = 0;
        for (int t = 0; t < 60_000; t++)
        {
            level += StudentT3(random);
            if (t >= h)
            {
                var (mean, half80, half95) = made[t % h];
                if (t >= 20_000)
                {
                    scored++;
                    covered80 += Math.Abs(level - mean) <= half80 ? 1 : 0;
                    covered95 += Math.Abs(level - mean) <= half95 ? 1 : 0;
                }
            }

            combiner.Observe(state, level);
            combiner.Forecast(state, level, 4, double.NaN, double.NaN, learn: true, out double m, out double spread, out _, out double q80, out double q95);
            made[t % h] = (m, q80 * spread, q95 * spread);
        }

        Assert.InRange(covered80 / (double)scored, 0.78, 0.82);
        Assert.InRange(covered95 / (double)scored, 0.93, 0.97);
    }

    [Fact]
    public void The_combiner_with_its_guard_allocates_nothing_per_step()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 3, Season = 5 }, horizon: 2, rawTarget: true);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        void Run(int steps)
        {
            for (int t = 0; t < steps; t++)
            {
                combiner.Observe(state, Math.Sin(t * 0.3), out _, out _);
                combiner.Forecast(state, 0, 1, 0.5, 1.0, learn: true, out _, out _, out _, out _, out _);
            }
        }

        Run(100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(5_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Guard_settings_are_validated_by_name_without_echoing_values()
    {
        var definition = TestPipelines.Sensors();
        definition.Linear = new LinearOptions { Enabled = true, GuardRate = -7.5, CoverageRate = 3.25 };
        var errors = definition.Validate();
        Assert.Contains(errors, e => e.Contains("Linear:GuardRate: must be a number above 0 and at most 100"));
        Assert.Contains(errors, e => e.Contains("Linear:CoverageRate: must be a number from 0 (Gaussian multipliers) to 1"));
        Assert.DoesNotContain(errors, e => e.Contains("7.5") || e.Contains("3.25"));
    }

    [Fact]
    public void With_the_guard_off_the_served_forecast_is_the_combination()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 2, Guard = false, CoverageRate = 0 }, horizon: 1, rawTarget: false);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(2);
        for (int t = 0; t < 500; t++)
        {
            combiner.Forecast(state, 0, 1, Normal(random), 1.0, learn: true, out double mean, out _, out double unguarded, out double q80, out double q95);
            Assert.Equal(unguarded, mean);
            Assert.Equal((ForecastGuard.Z80, ForecastGuard.Z95), (q80, q95));
            combiner.Observe(state, Normal(random));
        }
    }
}
