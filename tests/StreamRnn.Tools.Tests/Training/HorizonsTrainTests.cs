using System.Globalization;
using System.Reactive.Concurrency;
using System.Text;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Daemon.Tests.Backtest;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>
/// <c>streamrnn-tools train</c> on a Target:Horizons pipeline ([1, 3], Difference target, Gaussian head) and a small
/// synthetic CSV: the offline windows carry the K targets per step the online path assembles (bit for bit), the model it
/// writes has one head output group per horizon, its validation loss falls, and on held-out rows it beats the seed model
/// at every horizon in the backtest.
/// </summary>
[Trait("Category", "Integration")]
public sealed class HorizonsTrainTests : IDisposable
{
    private const int HistoryRows = 1200;
    private const int HeldOutRows = 300;
    private readonly ScratchDirectory _scratch = new();
    private readonly string _pipeline;
    private readonly string _history;
    private readonly string _heldOut;

    public HorizonsTrainTests()
    {
        _pipeline = _scratch.Write("multi.json", """
            {
              "Name": "multi", "InputTopic": "in.multi", "OutputTopic": "out.multi", "DeadLetterTopic": "dead",
              "Key": { "Source": "RecordKey" }, "EventTime": { "Source": "RecordTimestamp" },
              "Features": [ { "Field": "value", "Transform": "Difference" }, { "Field": "value", "Transform": "ZScore" } ],
              "Target": { "Field": "value", "Transform": "Difference", "Horizons": [1, 3] },
              "Model": { "Cell": "Gru", "HiddenSize": 6, "Layers": 1, "Head": "Gaussian", "Seed": 3 },
              "Training": { "Enabled": false, "WindowSteps": 12, "BatchWindows": 4, "LearningRate": 0.01 }
            }
            """);
        _history = _scratch.Write("history.csv", Csv(0, HistoryRows));
        _heldOut = _scratch.Write("held-out.csv", Csv(HistoryRows, HeldOutRows));
    }

    public void Dispose() => _scratch.Dispose();

    private static double X(int t) => Math.Round(10 + 3 * Math.Sin(t / 5.0) + 0.5 * Math.Sin(t / 17.0) + (t * 7919 % 13) / 10.0, 3);

    private static string Csv(int first, int count)
    {
        var csv = new StringBuilder("t,value\n");
        for (int t = first; t < first + count; t++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{1_000_000 + 60 * t},{X(t):R}\n");
        }

        return csv.ToString();
    }

    [Fact]
    public void The_offline_windows_carry_the_online_paths_targets_for_every_horizon()
    {
        var definition = BacktestRunner.LoadPipeline(_pipeline);
        var input = BacktestInput.Load(new BacktestSettings(_pipeline, _history, "", TimeColumn: "t"), definition);
        var shape = definition.CreateShape();
        Assert.Equal(2, shape.Horizons);
        var weights = ModelWeights.Initialize(shape, definition.Model.Seed);

        // Offline: the history trainer's replay, in micro-batches of 256 rows with a validation cut at row 960.
        definition.Training.Enabled = true;
        var offline = HistoryReplay.Collect(definition, input, weights, validationStartRow: 960, batchRows: 256);

        // Online: the daemon's runtime fed one record at a time, its completed windows taken from the trainer's queue.
        var online = new List<TrainingWindow>();
        var clock = new EventTimeClock();
        var runtime = new PipelineRuntime(definition, weights, clock, metrics: null);
        using var registry = new ModelRegistry(weights, keepVersions: 1);
        var options = new TrainingOptions { Enabled = true, WindowSteps = 12, QueueCapacity = HistoryRows, TrainEveryWindows = 1, BatchWindows = 1, HoldBackWindows = 1, WarmupWindows = 0 };
        using var trainer = new OnlineTrainer(definition.Name, options, registry, ImmediateScheduler.Instance);
        runtime.Trainer = trainer;
        var sink = new NullSink();
        for (int i = 0; i < input.Rows.Length; i++)
        {
            var row = input.Rows[i];
            clock.AdvanceTo(row.EventTimeUnixMs);
            runtime.Process([new InputRecord(0, i, row.EventTimeUnixMs, row.RecordKey, row.Json)], sink);
            while (trainer.Queue.TryDequeue(out var window))
            {
                online.Add(window);
            }
        }

        Assert.Equal(HistoryRows / 12, online.Count);
        Assert.Equal(online.Count, offline.Count);
        Assert.Equal(960 / 12, offline.TrainingCount);
        int known1 = 0, known3 = 0;
        for (int w = 0; w < online.Count; w++)
        {
            Assert.Equal(2, online[w].Horizons);
            Assert.Equal(online[w].Targets.ToArray(), offline.Targets(w).ToArray());
            Assert.Equal(online[w].TargetWeights.ToArray(), offline.TargetWeights(w).ToArray());
            Assert.Equal(online[w].Inputs.ToArray(), offline.Inputs(w).ToArray());
            Assert.Equal(online[w].StartState.ToArray(), offline.StartState(w).ToArray());
            for (int j = 0; j < 12; j++)
            {
                // Horizon h's target of step j arrives h steps later: unknown (NaN) in the window's last h steps, and in the
                // key's first h steps, which have no statistics of that horizon's target yet.
                float h1 = offline.Targets(w)[2 * j], h3 = offline.Targets(w)[2 * j + 1];
                Assert.Equal(j >= 11 || (w == 0 && j < 1), float.IsNaN(h1));
                Assert.Equal(j >= 9 || (w == 0 && j < 3), float.IsNaN(h3));
                known1 += float.IsNaN(h1) ? 0 : 1;
                known3 += float.IsNaN(h3) ? 0 : 1;
            }
        }

        Assert.Equal(online.Count * 11 - 1, known1);
        Assert.Equal(online.Count * 9 - 3, known3);
    }

    [Fact]
    public void Train_writes_a_two_horizon_model_whose_validation_loss_falls_and_which_beats_the_seed_at_every_horizon()
    {
        string model = _scratch.Combine("model.srnn");
        var run = TrainRun.Start("--pipeline", _pipeline, "--csv", _history, "--time-column", "t", "--out", model, "--epochs", "8",
            "--report", _scratch.Combine("report"));
        Assert.True(run.ExitCode == 0, run.Error);

        var definition = BacktestRunner.LoadPipeline(_pipeline);
        var trained = ModelFiles.Load(model, definition.CreateShape(), "model");
        Assert.Equal(2, trained.Shape.Horizons);
        Assert.Equal(4, trained.Shape.HeadOutputSize);

        var report = JsonDocument.Parse(File.ReadAllText(_scratch.Combine("report", "report.json"))).RootElement;
        var validation = report.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("validationLoss").GetDouble()).ToList();
        int best = report.GetProperty("bestEpoch").GetInt32();
        Assert.True(best > 0, "no epoch beat the seed model on the validation rows");
        Assert.True(validation[best] < validation[0], $"validation loss: start {validation[0]}, best {validation[best]}");
        Assert.True(validation[1] < validation[0], $"validation loss: start {validation[0]}, epoch 1 {validation[1]}");

        // Baselines: each horizon's own loss, and their sum per step as the network's loss.
        foreach (string name in (string[])["mean", "linear"])
        {
            var baseline = report.GetProperty("baselines").GetProperty(name);
            double[] perHorizon = baseline.GetProperty("horizonLosses").EnumerateArray().Select(l => l.GetDouble()).ToArray();
            Assert.Equal(2, perHorizon.Length);
            Assert.All(perHorizon, l => Assert.True(double.IsFinite(l)));
            Assert.True(double.IsFinite(baseline.GetProperty("validationLoss").GetDouble()));
        }

        Assert.Contains("validation loss: linear ", run.Output, StringComparison.Ordinal);

        // The held-out rows, backtested without online training: the trained model against the seed model per horizon.
        using var trainedRun = BacktestRun.Start(["--pipeline", _pipeline, "--csv", _heldOut, "--time-column", "t", "--model", model]);
        using var seedRun = BacktestRun.Start(["--pipeline", _pipeline, "--csv", _heldOut, "--time-column", "t"]);
        Assert.True(trainedRun.ExitCode == 0, trainedRun.Error);
        Assert.True(seedRun.ExitCode == 0, seedRun.Error);
        foreach (string horizon in (string[])["h1", "h3"])
        {
            double Mae(BacktestRun backtest) => backtest.Report.GetProperty("horizons").GetProperty(horizon).GetProperty("overall")
                .GetProperty("model").GetProperty("mae").GetDouble();
            Assert.True(Mae(trainedRun) < Mae(seedRun), $"{horizon} held-out MAE: trained {Mae(trainedRun)}, seed {Mae(seedRun)}");
        }
    }

    private sealed class NullSink : IRecordSink
    {
        public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
        {
        }

        public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
        {
        }

        public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
        {
        }

        public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
        }
    }
}
