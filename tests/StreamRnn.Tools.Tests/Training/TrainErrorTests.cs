using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>Every way <c>streamrnn train</c> can be asked wrongly is one line on standard error and an exit code, and no model file.</summary>
[Trait("Category", "Integration")]
public sealed class TrainErrorTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private string Model => _scratch.Combine("model.srnn");

    private void AssertFails(TrainRun run, int exitCode, string message)
    {
        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal("streamrnn-tools: " + message + Environment.NewLine, run.Error);
        Assert.Equal("", run.Output);
        Assert.False(File.Exists(Model), "no model is written when training cannot run");
    }

    [Fact]
    public void A_missing_pipeline_file_is_exit_2()
    {
        var run = TrainRun.Start("--pipeline", "no-such-pipeline.json", "--csv", BacktestFiles.MachineCsv, "--out", Model);
        AssertFails(run, 2, "--pipeline = 'no-such-pipeline.json': the file does not exist.");
    }

    [Fact]
    public void A_missing_csv_file_is_exit_2()
    {
        var run = TrainRun.Start("--pipeline", BacktestFiles.MachinePipeline, "--csv", "no-such.csv", "--out", Model, "--time-column", "timestamp");
        AssertFails(run, 2, "--csv = 'no-such.csv': the file does not exist.");
    }

    [Fact]
    public void A_column_the_pipeline_needs_is_named()
    {
        string csv = _scratch.Write("temperatures.csv", "timestamp,temperature\n2013-12-02 21:15:00,73.9\n");
        var run = TrainRun.Start("--pipeline", BacktestFiles.MachinePipeline, "--csv", csv, "--out", Model, "--time-column", "timestamp");
        AssertFails(run, 2, $"--csv = '{csv}' has no column 'value', which pipeline 'machine-temperature' needs for Features:0:Field (columns: timestamp, temperature).");
    }

    [Fact]
    public void A_history_too_short_for_one_window_is_exit_2()
    {
        // 10 rows: the 8 before the validation cut cannot fill a window of 16 steps, and neither can the 2 after it.
        var lines = File.ReadAllLines(BacktestFiles.MachineCsv).Take(1 + 10);
        string csv = _scratch.Write("short.csv", string.Join('\n', lines) + "\n");
        var run = TrainRun.Start("--pipeline", BacktestFiles.MachinePipeline, "--csv", csv, "--out", Model, "--time-column", "timestamp");
        AssertFails(run, 2, "no training windows: the first 8 rows complete no window of Training:WindowSteps = 16 steps with a target.");
    }

    [Fact]
    public void A_starting_model_of_another_shape_is_exit_2()
    {
        string stocks = _scratch.Combine("stocks.srnn");
        var definition = Daemon.Backtest.BacktestRunner.LoadPipeline(BacktestFiles.StocksPipeline);
        Daemon.Training.ModelFiles.Save(stocks, Core.ModelWeights.Initialize(definition.CreateShape(), 1), "stocks");
        var run = TrainRun.Start("--pipeline", BacktestFiles.MachinePipeline, "--csv", BacktestFiles.MachineCsv, "--out", Model,
            "--time-column", "timestamp", "--model", stocks);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("streamrnn-tools: --model: ", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Model));
    }

    [Fact]
    public void An_invalid_pipeline_is_exit_3()
    {
        string pipeline = _scratch.Write("bad.json", File.ReadAllText(BacktestFiles.MachinePipeline).Replace("\"HiddenSize\": 32", "\"HiddenSize\": 0", StringComparison.Ordinal));
        var run = TrainRun.Start("--pipeline", pipeline, "--csv", BacktestFiles.MachineCsv, "--out", Model, "--time-column", "timestamp");
        Assert.Equal(3, run.ExitCode);
        Assert.Contains("Model:HiddenSize", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Model));
    }

    public void Dispose() => _scratch.Dispose();
}
