using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Forecasting;

namespace StreamRnn.Engine.Tests;

[Trait("Category", "Unit")]
public sealed class LinearCombinerTests
{
    [Fact]
    public void A_fresh_key_forecasts_persistence_for_a_raw_target_and_no_change_for_a_change_target()
    {
        var options = new LinearOptions { Enabled = true, Order = 3, Season = 4 };
        var raw = new LinearCombiner(options, horizon: 1, rawTarget: true);
        double[] state = new double[raw.StateLength];
        raw.Reset(state);
        Assert.Equal([1.0, 0, 0, 0, 0, 0], raw.Weights(state).ToArray());
        raw.Observe(state, 20.0);
        raw.Observe(state, 23.5);
        raw.Forecast(state, mu: 21.0, sigma: 2.0, networkMean: 30.0, networkSpread: 1.0, learn: true, out double mean, out double spread);
        Assert.Equal(23.5, mean, 12);
        Assert.Equal(1.0, spread, 12); // σ·b·c with c = 1 before any error: the network's own spread

        var change = new LinearCombiner(options, horizon: 1, rawTarget: false);
        state = new double[change.StateLength];
        change.Reset(state);
        Assert.All(change.Weights(state).ToArray(), w => Assert.Equal(0.0, w));
        change.Observe(state, 0.7);
        change.Forecast(state, mu: 0.1, sigma: 0.5, networkMean: 2.0, networkSpread: double.NaN, learn: true, out mean, out spread);
        Assert.Equal(0.0, mean, 12);
        Assert.Equal(0.5, spread, 12); // a Linear head: σ·c
    }

    /// <summary>
    /// y[t] = 0.5·y[t−1] + s[t] + e[t], with s[t] known to the "network" only through n[t] = s[t] + u[t]
    /// (var s = 1, var u = 0.25, var e = 1): the best linear forecast is 0.5·y[t−1] + 0.8·n[t] (0.8 = 1 / 1.25), with
    /// residual variance 1 + 0.2² + 0.8²·0.25 = 1.2.
    /// </summary>
    [Fact]
    public void On_an_AR1_series_with_a_noisy_network_it_converges_to_the_optimal_weights_and_error_variance()
    {
        var options = new LinearOptions { Enabled = true, Order = 2, Forgetting = 1.0, PriorVariance = 1.0 };
        var combiner = new LinearCombiner(options, horizon: 1, rawTarget: false);
        Assert.Equal(4, combiner.Regressors);
        Assert.Equal(2, combiner.NetworkIndex);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        var random = new Random(5);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double y = 0, squared = 0;
        int scored = 0;
        for (int t = 0; t < 40_000; t++)
        {
            double s = Normal();
            double network = 0.5 * y + s + 0.5 * Normal();
            combiner.Forecast(state, 0, 1, network, double.NaN, learn: true, out double mean, out _);
            y = 0.5 * y + s + Normal();
            if (t >= 20_000)
            {
                squared += (y - mean) * (y - mean);
                scored++;
            }

            combiner.Observe(state, y);
        }

        var w = combiner.Weights(state);
        // The network already carries 0.5·y[t−1]·0.8 of the lag: the lag weight is what remains, 0.5·(1 − 0.8) = 0.1.
        Assert.InRange(w[0], 0.1 - 0.02, 0.1 + 0.02);
        Assert.InRange(w[1], -0.02, 0.02);
        Assert.InRange(w[2], 0.8 - 0.02, 0.8 + 0.02);
        Assert.InRange(w[3], -0.02, 0.02);
        Assert.InRange(LinearCombiner.Calibration(state), Math.Sqrt(1.2) - 0.03, Math.Sqrt(1.2) + 0.03);
        Assert.InRange(squared / scored, 1.2 - 0.05, 1.2 + 0.05);
    }

    [Fact]
    public void Forecasts_made_while_warming_up_do_not_move_the_weights()
    {
        var combiner = new LinearCombiner(new LinearOptions { Enabled = true, Order = 1 }, horizon: 2, rawTarget: true);
        double[] state = new double[combiner.StateLength];
        combiner.Reset(state);
        for (int t = 0; t < 50; t++)
        {
            combiner.Observe(state, t % 7);
            combiner.Forecast(state, 3, 2, 100, double.NaN, learn: false, out _, out _);
        }

        double[] fresh = new double[combiner.StateLength];
        combiner.Reset(fresh);
        // The weights and their covariance (the end of layout 1), and the guard's losses and multipliers, are untouched.
        int rls = combiner.LegacyStateLength;
        Assert.Equal(fresh.AsSpan(rls - 6, 6).ToArray(), state.AsSpan(rls - 6, 6).ToArray());
        Assert.Equal(fresh.AsSpan(rls, 8).ToArray(), state.AsSpan(rls, 8).ToArray());
        Assert.Equal(1.0, combiner.Weights(state)[0]);
    }

    [Fact]
    public void An_outlier_moves_the_weights_no_more_than_a_clipped_error_does()
    {
        var options = new LinearOptions { Enabled = true, Order = 1, Network = false, Clip = 3 };
        double[] Run(double last)
        {
            var combiner = new LinearCombiner(options, horizon: 1, rawTarget: false);
            double[] state = new double[combiner.StateLength];
            combiner.Reset(state);
            for (int t = 0; t < 100; t++)
            {
                combiner.Forecast(state, 0, 1, double.NaN, double.NaN, learn: true, out _, out _);
                combiner.Observe(state, t == 99 ? last : (t % 2 == 0 ? 1 : -1));
            }

            return combiner.Weights(state).ToArray();
        }

        Assert.Equal(Run(1e6), Run(1e3));
    }

    [Fact]
    public void Settings_are_validated_by_name_without_echoing_values()
    {
        var definition = TestPipelines.Sensors();
        definition.Target.Horizon = 6;
        definition.Linear = new LinearOptions { Enabled = true, Order = 77, Season = 5, Forgetting = 0.25, PriorVariance = -3, Clip = 0.5 };
        var errors = definition.Validate();
        Assert.Contains(errors, e => e.Contains("Linear:Order: must be between 0 and 32"));
        Assert.Contains(errors, e => e.Contains("Linear:Season: must be 0 (none) or between Target:Horizon and"));
        Assert.Contains(errors, e => e.Contains("Linear:Forgetting: must be above 0.5 and at most 1"));
        Assert.Contains(errors, e => e.Contains("Linear:PriorVariance: must be a finite number above 0"));
        Assert.Contains(errors, e => e.Contains("Linear:Clip: must be a number from 1 to 100"));
        Assert.DoesNotContain(errors, e => e.Contains("Linear") && (e.Contains("77") || e.Contains("0.25") || e.Contains("-3")));

        definition.Linear = new LinearOptions { Enabled = true };
        definition.Model.Head = HeadKind.Binary;
        definition.Target.Transform = TargetTransform.Raw;
        Assert.Contains(definition.Validate(), e => e.Contains("Linear:Enabled: the linear path forecasts a number and needs a Gaussian or Linear head"));
    }

    [Fact]
    public void The_section_binds_from_a_pipeline_file()
    {
        string json = """{"Enabled":true,"Order":2,"Season":24,"Forgetting":0.995,"PriorVariance":0.5,"Network":false,"Clip":4}""";
        var options = JsonSerializer.Deserialize<LinearOptions>(json)!;
        Assert.True(options.Enabled);
        Assert.Equal((2, 24, 0.995, 0.5, false, 4.0),
            (options.Order, options.Season, options.Forgetting, options.PriorVariance, options.Network, options.Clip));
    }
}
