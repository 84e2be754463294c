using System.Globalization;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Training;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>
/// <c>streamrnn train</c> end to end on the bundled NAB machine-temperature sample: the model it writes beats the
/// pipeline's seed model on rows it never saw, its report holds every epoch beside the baselines, and it is
/// reproducible from its seed.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TrainCommandTests : IDisposable
{
    private const int TrainingRows = 1500;
    private readonly ScratchDirectory _scratch = new();
    private readonly string _history;
    private readonly string _heldOut;

    public TrainCommandTests()
    {
        // The sample's first 1,500 rows are the history; the last 500 are held out from training altogether.
        string[] lines = File.ReadAllLines(BacktestFiles.MachineCsv).Where(l => l.Length > 0).ToArray();
        _history = _scratch.Write("history.csv", string.Join('\n', lines.Take(1 + TrainingRows)) + "\n");
        _heldOut = _scratch.Write("held-out.csv", string.Join('\n', lines.Take(1).Concat(lines.Skip(1 + TrainingRows))) + "\n");
    }

    private TrainRun Train(string model, int seed = 1, string? report = null)
    {
        string[] reportOption = report is null ? [] : ["--report", report];
        return TrainRun.Start(["--pipeline", BacktestFiles.MachinePipeline, "--csv", _history, "--time-column", "timestamp",
            "--out", model, "--epochs", "6", "--seed", seed.ToString(CultureInfo.InvariantCulture), .. reportOption]);
    }

    [Fact]
    public void The_trained_model_beats_the_seed_model_on_held_out_rows()
    {
        string model = _scratch.Combine("model.srnn");
        var run = Train(model, report: _scratch.Combine("report"));
        Assert.True(run.ExitCode == 0, run.Error);

        var definition = BacktestRunner.LoadPipeline(BacktestFiles.MachinePipeline);
        var shape = definition.CreateShape();
        var trained = ModelFiles.Load(model, shape, "model");
        var seed = ModelWeights.Initialize(shape, definition.Model.Seed);
        Assert.Equal(2, trained.Version);

        // Both models' loss on every window of the held-out rows, each window from the state that model reaches there.
        var input = BacktestInput.Load(new BacktestSettings(BacktestFiles.MachinePipeline, _heldOut, "", TimeColumn: "timestamp"), definition);
        var bptt = new BatchedBackpropagationThroughTime(shape, definition.Training.WindowSteps, HistoryTrainer.EvaluationBatch);
        double trainedLoss = HistoryTrainer.Losses(bptt, trained, HistoryReplay.Collect(definition, input, trained, input.Rows.Length, 256)).Training;
        double seedLoss = HistoryTrainer.Losses(bptt, seed, HistoryReplay.Collect(definition, input, seed, input.Rows.Length, 256)).Training;
        Assert.True(trainedLoss < seedLoss, $"held-out loss: trained {trainedLoss}, seed {seedLoss}");

        // One progress line per epoch on standard error, the summary on standard output.
        var report = JsonDocument.Parse(File.ReadAllText(_scratch.Combine("report", "report.json"))).RootElement;
        var epochs = report.GetProperty("epochs").EnumerateArray().ToList();
        string[] errorLines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(epochs.Count, errorLines.Length);
        Assert.StartsWith("epoch 0/6 (start): training loss ", errorLines[0], StringComparison.Ordinal);
        for (int e = 1; e < epochs.Count; e++)
        {
            Assert.StartsWith($"epoch {e}/6: training loss ", errorLines[e], StringComparison.Ordinal);
        }

        // The report: epoch 0 is the seed, the written model is the best epoch by validation loss, baselines beside it.
        int best = report.GetProperty("bestEpoch").GetInt32();
        var validation = epochs.Select(e => e.GetProperty("validationLoss").GetDouble()).ToList();
        Assert.Equal(validation.Min(), validation[best]);
        Assert.True(best > 0, "no epoch beat the seed model on the validation rows");
        Assert.Equal(TrainingRows, report.GetProperty("rows").GetInt32());
        Assert.Equal(TrainingRows - 300, report.GetProperty("validationStartRow").GetInt32());
        Assert.Equal(2, report.GetProperty("modelVersion").GetInt64());
        string? stop = report.GetProperty("stopReason").GetString();
        Assert.True(stop == "epochs" ? epochs.Count == 7 : stop == "patience", $"stopped: {stop} after {epochs.Count - 1} epochs");
        var baselines = report.GetProperty("baselines");
        Assert.True(double.IsFinite(baselines.GetProperty("mean").GetProperty("validationLoss").GetDouble()));
        Assert.True(double.IsFinite(baselines.GetProperty("linear").GetProperty("validationLoss").GetDouble()));
        Assert.Contains("| forecaster | validation loss | what it predicts |", File.ReadAllText(_scratch.Combine("report", "report.md")), StringComparison.Ordinal);
        Assert.StartsWith($"train machine-temperature: {TrainingRows} rows, ", run.Output, StringComparison.Ordinal);
        Assert.Contains($"model: version 2 written to {model}", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_seed_writes_the_same_model_and_another_seed_a_different_one()
    {
        string first = _scratch.Combine("first.srnn"), again = _scratch.Combine("again.srnn"), other = _scratch.Combine("other.srnn");
        Assert.Equal(0, Train(first).ExitCode);
        Assert.Equal(0, Train(again).ExitCode);
        Assert.Equal(0, Train(other, seed: 2).ExitCode);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(again));
        Assert.NotEqual(File.ReadAllBytes(first), File.ReadAllBytes(other));
    }

    public void Dispose() => _scratch.Dispose();
}
