using StreamRnn.Daemon.Backtest;
using Xunit.Abstractions;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>
/// The shipped stocks and machine-temperature pipelines on the small real samples, held to measured floors with a
/// margin (docs/results.md has the full-data runs): calibrated stock intervals that are no worse than the random walk,
/// and a sensor forecast that beats persistence overall and is close to it from its first forecasts.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ForecastQualityTests(ITestOutputHelper output)
{
    [Fact]
    public void Stocks_forecast_no_worse_than_the_random_walk_with_calibrated_intervals()
    {
        var result = new BacktestRunner(new BacktestSettings(BacktestFiles.StocksPipeline, BacktestFiles.StocksCsv, "unused", TimeColumn: "date")).Run();
        var scores = BacktestScoring.Score(result);
        var model = scores.Overall["model"];
        var persistence = scores.Overall["persistence"];
        output.WriteLine($"model MAE {model.Mae:R} RMSE {model.Rmse:R} cov80 {model.Coverage80:R} cov95 {model.Coverage95:R}; persistence MAE {persistence.Mae:R} RMSE {persistence.Rmse:R}");

        // Measured (with the range feature ln(high/low)): model MAE 0.01014 vs 0.009928 (ratio 1.021), coverage 0.847 / 0.948;
        // per regime 80% coverage 0.811 / 0.872 / 0.890 (calm / middle / volatile).
        Assert.Equal(747, model.Scored);
        Assert.True(model.Mae <= persistence.Mae * 1.05, $"model MAE {model.Mae} > 1.05 × random walk {persistence.Mae}");
        Assert.True(model.Rmse <= persistence.Rmse * 1.05, $"model RMSE {model.Rmse} > 1.05 × zero-return {persistence.Rmse}");
        Assert.InRange(model.Coverage80, 0.75, 0.90);
        Assert.InRange(model.Coverage95, 0.90, 0.99);

        // Every key's coverage, not just the pooled one.
        foreach (var key in scores.PerKey)
        {
            Assert.InRange(key.Forecasters["model"].Coverage80, 0.70, 0.92);
        }

        // The intervals adapt: within each volatility regime the model's 80% coverage stays near the pooled one.
        var cells = IntervalRegimeStudy.Run(scores.Tracks);
        output.WriteLine(IntervalRegimeStudy.Table(cells));
        foreach (string? regime in new[] { "calm", "middle", "volatile" })
        {
            Assert.InRange(cells[("model", regime)].Coverage80, 0.72, 0.92);
        }

        Assert.True(cells[("model", "volatile")].Width80 > cells[("model", "calm")].Width80,
            "the model's intervals should be wider in volatile periods than in calm ones");
    }

    [Fact]
    public void Machine_temperature_beats_persistence_and_is_close_to_it_from_the_start()
    {
        var result = new BacktestRunner(new BacktestSettings(BacktestFiles.MachinePipeline, BacktestFiles.MachineCsv, "unused", TimeColumn: "timestamp")).Run();
        var scores = BacktestScoring.Score(result);
        var model = scores.Overall["model"];
        var persistence = scores.Overall["persistence"];
        Assert.True(result.Training.Promoted > 0, "online training should promote at least one version");

        // The first 200 forecasts (the first 17 hours), before training has done much.
        var track = Assert.Single(scores.Tracks);
        double modelEarly = 0, persistenceEarly = 0;
        int early = 0;
        for (int j = 0; j + 1 < track.Steps && early < 200; j++)
        {
            if (!double.IsNaN(track.Mean[j]) && double.IsFinite(track.Y[j + 1]))
            {
                modelEarly += Math.Abs(track.Y[j + 1] - track.Mean[j]);
                persistenceEarly += Math.Abs(track.Y[j + 1]);
                early++;
            }
        }

        output.WriteLine($"model MAE {model.Mae:R} vs persistence {persistence.Mae:R}; first {early}: {modelEarly / early:R} vs {persistenceEarly / early:R}; " +
            $"cov80 {model.Coverage80:R} cov95 {model.Coverage95:R}; rounds promoted {result.Training.Promoted}");

        Assert.Equal(1998, model.Scored);
        Assert.True(model.Mae < persistence.Mae, $"model MAE {model.Mae} ≥ persistence {persistence.Mae}");
        Assert.True(modelEarly / early < 1.10 * (persistenceEarly / early), $"first {early} forecasts: model MAE {modelEarly / early} ≥ 1.1 × persistence {persistenceEarly / early}");
        Assert.InRange(model.Coverage80, 0.72, 0.88);
        Assert.InRange(model.Coverage95, 0.90, 0.99);
    }
}
