using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Forecasting;

namespace StreamRnn.Engine.Tests;

/// <summary>
/// The guard's evidence gate (<see cref="LinearOptions.GuardEvidence"/>: persistence until some candidate or the
/// aggregate has beaten it by k standard errors) and its second AR candidate (forgetting 1, "ar_long").
/// </summary>
[Trait("Category", "Unit")]
public sealed class GuardEvidenceTests
{
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>
    /// Log-returns of a random walk (i.i.d. changes) with a "network" that forecasts noise correlated with nothing: no
    /// candidate beats persistence (no change), so from step 2,000 on every served forecast is exactly persistence,
    /// while the same guard without the evidence gate (and without the floor, <see cref="GuardFloorTests"/>) mixes the
    /// others in and is worse in MAE. The gated guard has its floor on (the default).
    /// </summary>
    [Fact]
    public void On_a_random_walk_the_served_forecast_is_exactly_persistence_after_2000_steps()
    {
        int gated = Run(2.0, out int persistentGated, out double maeGated, out double persistenceMae);
        int open = Run(0.0, out int persistentOpen, out double maeOpen, out _);
        Assert.Equal(8_000, gated);
        Assert.Equal(8_000, persistentGated);
        Assert.Equal(persistenceMae, maeGated, 12);
        Assert.True(persistentOpen < 100, $"{persistentOpen}");
        Assert.True(maeOpen > persistenceMae, $"ungated MAE ÷ persistence = {maeOpen / persistenceMae}");
        _ = open;

        static int Run(double evidence, out int persistent, out double mae, out double persistenceMae)
        {
            var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 2, GuardEvidence = evidence, GuardFloor = evidence > 0 }, horizon: 1, rawTarget: false);
            double[] state = new double[combiner.StateLength];
            combiner.Reset(state);
            var random = new Random(17);
            int scored = 0;
            persistent = 0;
            double error = 0, baseline = 0;
            for (int t = 0; t < 10_000; t++)
            {
                combiner.Forecast(state, 0, 1, 0.3 * Normal(random), 1.0, learn: true, out double mean, out _);
                double y = Normal(random);
                if (t >= 2_000)
                {
                    scored++;
                    persistent += mean == 0 ? 1 : 0;
                    error += Math.Abs(y - mean);
                    baseline += Math.Abs(y);
                }

                combiner.Observe(state, y);
            }

            mae = error / scored;
            persistenceMae = baseline / scored;
            return scored;
        }
    }

    /// <summary>
    /// y[t] = 0.7·y[t−1] + e[t] (changes with structure): the AR candidates beat persistence by far more than two
    /// standard errors within the first few hundred steps, and from step 500 on the guard serves its aggregate, never
    /// persistence, within 2 % of the least-squares AR in MAE.
    /// </summary>
    [Fact]
    public void On_an_AR1_series_the_guard_leaves_persistence_and_follows_the_autoregression()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 1, Network = false }, horizon: 1, rawTarget: false);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(23);
        Span<double> weights = stackalloc double[ForecastGuard.Candidates];
        Span<double> losses = stackalloc double[ForecastGuard.Candidates];
        double y = 0, guarded = 0, ar = 0, persistence = 0;
        int persistent = 0;
        for (int t = 0; t < 10_000; t++)
        {
            combiner.GuardWeights(state, weights, losses);
            combiner.Forecast(state, 0, 1, double.NaN, double.NaN, learn: true, out double mean, out _);
            double next = 0.7 * y + Normal(random);
            if (t >= 500)
            {
                persistent += weights[ForecastGuard.Persistence] == 1 ? 1 : 0;
                guarded += Math.Abs(next - mean);
                ar += Math.Abs(next - 0.7 * y);
                persistence += Math.Abs(next);
            }

            combiner.Observe(state, next);
            y = next;
        }

        Assert.Equal(0, persistent);
        Assert.True(guarded <= ar * 1.02, $"guarded ÷ true AR = {guarded / ar}");
        Assert.True(guarded <= persistence * 0.8, $"guarded ÷ persistence = {guarded / persistence}");
    }

    /// <summary>
    /// A noise-free trend (the change is 0.5 every step): the AR candidates learn it exactly, so their gain over
    /// persistence (no change) has no spread at all; that is evidence too, and the guard leaves persistence.
    /// </summary>
    [Fact]
    public void A_noise_free_trend_is_evidence_enough()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 1, Network = false }, horizon: 1, rawTarget: false);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        double mean = 0;
        for (int t = 0; t < 500; t++)
        {
            combiner.Forecast(state, 0.5, 1, double.NaN, double.NaN, learn: true, out mean, out _);
            combiner.Observe(state, 0.5);
        }

        Assert.Equal(0.5, mean, 3);
    }

    /// <summary>The evidence statistics of <see cref="ForecastGuard"/> on hand-computed values.</summary>
    [Fact]
    public void The_evidence_test_counts_standard_errors_of_the_discounted_mean_difference()
    {
        Span<bool> present = [true, true, false, false, false];
        Span<double> mean = stackalloc double[ForecastGuard.EvidenceSlots];
        Span<double> second = stackalloc double[ForecastGuard.EvidenceSlots];
        ReadOnlySpan<double> forecasts = [1.0, 0, 0, 0, 0]; // the combination 1, persistence 0; the aggregate 0 as persistence
        // outcomes 1, 3, 1.5: d = |z − 1| − |z| = −1 each time; V = 1, 1/2, 1/3 (no discounting yet)
        double v = ForecastGuard.LearnEvidence(mean, second, forecasts, 0, present, 1.0, 1, 0.999, 0);
        Assert.Equal(1.0, v);
        v = ForecastGuard.LearnEvidence(mean, second, forecasts, 0, present, 3.0, 2, 0.999, v);
        Assert.Equal(0.5, v);
        v = ForecastGuard.LearnEvidence(mean, second, forecasts, 0, present, 1.5, 3, 0.999, v);
        Assert.Equal(1.0 / 3, v, 15);
        Assert.Equal(-1.0, mean[ForecastGuard.Combined]);
        Assert.Equal(1.0, second[ForecastGuard.Combined]);
        Assert.Equal(0.0, mean[ForecastGuard.Candidates]); // the aggregate equals persistence: no difference
        Assert.Equal(0.0, mean[ForecastGuard.Seasonal]); // absent: untouched
        Assert.True(ForecastGuard.Evident(mean, second, v, present, 10)); // a gain with no spread
        // outcome −0.5: d = 1.5 − 0.5 = +1; mean (−3 + 1)/4 = −0.5, m₂ = 1, V = 1/4:
        // standard error √((1 − 0.25)/4) = 0.4330, so the gain is 1.1547 standard errors
        v = ForecastGuard.LearnEvidence(mean, second, forecasts, 0, present, -0.5, 4, 0.999, v);
        Assert.Equal(0.25, v, 15);
        Assert.Equal(-0.5, mean[ForecastGuard.Combined], 15);
        Assert.Equal(1.0, second[ForecastGuard.Combined], 15);
        Assert.True(ForecastGuard.Evident(mean, second, v, present, 1.15));
        Assert.False(ForecastGuard.Evident(mean, second, v, present, 1.16));
    }

    [Fact]
    public void A_fresh_key_serves_persistence_until_the_evidence_is_in()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 3 }, horizon: 1, rawTarget: true);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        Span<double> weights = stackalloc double[ForecastGuard.Candidates];
        Span<double> losses = stackalloc double[ForecastGuard.Candidates];
        combiner.GuardWeights(state, weights, losses);
        Assert.Equal([0.0, 1.0, 0.0, 0.0, 0.0], weights.ToArray());
        combiner.Observe(state, 20.0);
        combiner.Forecast(state, 20.0, 2.0, 31.0, 1.0, learn: true, out double mean, out _);
        Assert.Equal(20.0, mean);
    }

    [Fact]
    public void The_AR_without_forgetting_is_a_candidate_only_when_the_pipeline_forgets()
    {
        var forgetting = new LinearCombiner(new LinearOptions { Enabled = true, Order = 2, Forgetting = 0.999 }, horizon: 1, rawTarget: false);
        var never = new LinearCombiner(new LinearOptions { Enabled = true, Order = 2, Forgetting = 1.0 }, horizon: 1, rawTarget: false);
        var none = new LinearCombiner(new LinearOptions { Enabled = true, Order = 0, Season = 4 }, horizon: 1, rawTarget: false);
        Assert.True(forgetting.HasCandidate(ForecastGuard.AutoregressiveLong));
        Assert.False(never.HasCandidate(ForecastGuard.AutoregressiveLong));
        Assert.True(never.HasCandidate(ForecastGuard.Autoregressive));
        Assert.False(none.HasCandidate(ForecastGuard.AutoregressiveLong));
        Assert.False(none.HasCandidate(ForecastGuard.Autoregressive));
        Assert.Equal("ar_long", ForecastGuard.Names[ForecastGuard.AutoregressiveLong]);
    }

    /// <summary>
    /// A stationary AR(1) level 6 steps ahead whose coefficient is fixed (y = 0.95·y[t−1] + e): the fit that never
    /// forgets estimates it from all the data and ends with a smaller discounted loss than the one with forgetting 0.99.
    /// </summary>
    [Fact]
    public void On_a_fixed_AR_process_the_fit_without_forgetting_has_the_smaller_loss()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 1, Network = false, Forgetting = 0.99 }, horizon: 6, rawTarget: true);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(8);
        double y = 0;
        for (int t = 0; t < 20_000; t++)
        {
            combiner.Observe(state, y);
            combiner.Forecast(state, 0, 3, double.NaN, double.NaN, learn: true, out _, out _);
            y = 0.95 * y + Normal(random);
        }

        Span<double> weights = stackalloc double[ForecastGuard.Candidates];
        Span<double> losses = stackalloc double[ForecastGuard.Candidates];
        combiner.GuardWeights(state, weights, losses);
        Assert.True(losses[ForecastGuard.AutoregressiveLong] < losses[ForecastGuard.Autoregressive],
            $"{losses[ForecastGuard.AutoregressiveLong]} vs {losses[ForecastGuard.Autoregressive]}");
        Assert.True(losses[ForecastGuard.AutoregressiveLong] < losses[ForecastGuard.Persistence]);
    }

    [Fact]
    public void GuardEvidence_is_validated_by_name_without_echoing_the_value()
    {
        foreach (double bad in new[] { -0.75, 12.5, double.NaN })
        {
            var definition = TestPipelines.Sensors();
            definition.Linear = new LinearOptions { Enabled = true, GuardEvidence = bad };
            var errors = definition.Validate();
            Assert.Contains(errors, e => e.Contains("Linear:GuardEvidence: must be a number from 0 (no evidence asked) to 10 (standard errors)"));
            Assert.DoesNotContain(errors, e => e.Contains("0.75") || e.Contains("12.5"));
        }

        var valid = TestPipelines.Sensors();
        valid.Linear = new LinearOptions { Enabled = true, GuardEvidence = 0 };
        Assert.DoesNotContain(valid.Validate(), e => e.Contains("GuardEvidence"));
    }
}
