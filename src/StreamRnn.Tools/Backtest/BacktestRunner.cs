using System.Diagnostics;
using System.Reactive.Concurrency;
using Prometheus;
using StreamRnn.Core;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.Training;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Replays a CSV through the daemon's own code path: a <see cref="PipelineRuntime"/> fed micro-batches of records in
/// event-time order, the pipeline's alert rules on its predictions, and — with Training:Enabled — the same
/// <see cref="OnlineTrainer"/> and <see cref="ModelRegistry"/>, run in lock-step with the replay.
/// </summary>
/// <remarks>
/// Lock-step training: the trainer's trigger (every TrainEveryWindows windows or TrainEveryInterval) runs on a
/// <see cref="HistoricalScheduler"/> moved to each batch's newest event time; after each batch, if it fired, one round
/// runs on this thread (triggers that piled up collapse into one, as on the daemon's trainer thread) and the champion
/// is handed to the runtime before the next batch, as the daemon does between batches. So a replay is deterministic,
/// and a round sees exactly the windows of the records before it. Differences from the daemon, by design: event time
/// stands in for the wall clock (latency_ms, the trainer's interval), idle keys are not evicted, and no changelog is
/// written. With several passes each one is such a replay from the previous one's final champion; only the last is
/// scored (the optimiser's moments and every key's state start afresh in each pass).
/// </remarks>
internal sealed class BacktestRunner(BacktestSettings settings, ProgressReporter? progress = null)
{
    /// <summary>Start the trainer clock at 1970-01-01 as before <see cref="TrainerClockStart"/> (tests compare the two).</summary>
    internal bool TrainerClockAtEpoch { get; init; }

    /// <summary>A definition already loaded and validated (calibrate's per-threshold variants); null = load the settings' pipeline file.</summary>
    internal PipelineDefinition? Definition { get; init; }

    public BacktestResult Run()
    {
        var definition = Definition ?? LoadPipeline(settings.PipelinePath);
        if (settings.Passes > 1 && !definition.Training.Enabled)
        {
            throw new BacktestException(2,
                $"--passes = {settings.Passes}: pipeline '{definition.Name}' has Training:Enabled = false, so every pass would replay the same weights.");
        }

        var input = BacktestInput.Load(settings, definition);
        var start = LoadWeights(definition);
        var weights = start;
        Pass pass = default!;
        var elapsed = TimeSpan.Zero;
        for (int number = 1; number <= settings.Passes; number++)
        {
            // Earlier passes only train: their predictions and alerts are dropped, their champion starts the next pass.
            pass = Replay(definition, input, weights, number == settings.Passes ? progress : null);
            elapsed += pass.Elapsed;
            weights = pass.Champion;
        }

        if (settings.SaveModelPath is { } path)
        {
            // Same format as the model store's model-<version>.srnn files, written under a temporary name and renamed.
            ModelFiles.Save(path, weights, "--save-model");
        }

        var training = pass.Training with { Passes = settings.Passes, StartVersion = start.Version };
        return new BacktestResult(settings, definition, input, pass.Sink, pass.Counters, pass.Summary, training, elapsed, weights);
    }

    /// <summary>What one pass over the input produced.</summary>
    private sealed record Pass(BacktestSink Sink, PipelineCounters Counters, PrequentialSummary Summary, TrainingSummary Training,
        ModelWeights Champion, TimeSpan Elapsed);

    /// <summary>One replay of the input from <paramref name="weights"/>: a fresh runtime, alert rules and trainer.</summary>
    private Pass Replay(PipelineDefinition definition, BacktestInput input, ModelWeights weights, ProgressReporter? progress)
    {
        var metrics = new StreamRnnMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
        var clock = new EventTimeClock();
        var runtime = new PipelineRuntime(definition, weights, clock, metrics);
        using var alerts = AlertMonitor.Create(definition, metrics);
        runtime.PredictionObserver = alerts;

        ModelRegistry? registry = null;
        OnlineTrainer? trainer = null;
        HistoricalScheduler? trainerClock = null;
        long promoted = 0, rejected = 0, skipped = 0, failed = 0;
        IDisposable? rounds = null;
        if (definition.Training.Enabled)
        {
            registry = new ModelRegistry(weights, definition.Training.KeepVersions);
            trainerClock = new HistoricalScheduler(TrainerClockAtEpoch ? DateTimeOffset.UnixEpoch
                : TrainerClockStart.For(input.Rows, settings.BatchRows, definition.Training.TrainEveryInterval));
            trainer = new OnlineTrainer(definition.Name, definition.Training, registry, trainerClock, metrics, "backtest");
            rounds = trainer.Rounds.Subscribe(round =>
            {
                switch (round.Outcome)
                {
                    case RoundOutcome.Promoted: promoted++; break;
                    case RoundOutcome.Rejected: rejected++; break;
                    case RoundOutcome.Skipped: skipped++; break;
                    default: failed++; break;
                }
            });
            trainer.StartTrigger();
            runtime.Trainer = trainer;
        }

        try
        {
            var rows = input.Rows;
            var records = new InputRecord[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                var row = rows[i];
                long timestamp = row.EventTimeUnixMs == long.MinValue ? -1 : row.EventTimeUnixMs;
                records[i] = new InputRecord(0, i, timestamp, row.RecordKey, row.Json);
            }

            var sink = new BacktestSink();
            long started = Stopwatch.GetTimestamp();
            long triggersSeen = 0;
            progress?.Start(rows.Length);
            for (int start = 0; start < rows.Length; start += settings.BatchRows)
            {
                int count = Math.Min(settings.BatchRows, rows.Length - start);
                long newest = rows[start + count - 1].EventTimeUnixMs;
                if (newest != long.MinValue)
                {
                    clock.AdvanceTo(newest);
                }

                runtime.Process(records.AsSpan(start, count), sink);
                if (trainer is not null)
                {
                    if (newest != long.MinValue && DateTimeOffset.FromUnixTimeMilliseconds(newest) > trainerClock!.Now)
                    {
                        trainerClock.AdvanceTo(DateTimeOffset.FromUnixTimeMilliseconds(newest));
                    }

                    if (trainer.RoundsTriggered > triggersSeen)
                    {
                        triggersSeen = trainer.RoundsTriggered;
                        trainer.RunRound();
                        var champion = registry!.Current;
                        if (!ReferenceEquals(champion, runtime.Weights))
                        {
                            runtime.Weights = champion;
                        }
                    }
                }

                progress?.Report(start + count);
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            progress?.Finish(rows.Length, elapsed);
            var training = trainer is null
                ? new TrainingSummary(false, 0, 0, 0, 0, 0, runtime.WindowsCompleted, 0, weights.Version, weights.Version)
                : new TrainingSummary(true, trainer.RoundsCompleted, promoted, rejected, skipped, failed, runtime.WindowsCompleted,
                    trainer.WindowsTrained, weights.Version, runtime.Weights.Version);
            return new Pass(sink, runtime.Counters, runtime.GetPrequentialSummary(), training, runtime.Weights, elapsed);
        }
        finally
        {
            rounds?.Dispose();
            trainer?.Dispose();
            registry?.Dispose();
        }
    }

    /// <summary>Loads and validates a pipeline file; problems become exit code 2 (file) or 3 (invalid definition).</summary>
    internal static PipelineDefinition LoadPipeline(string path)
    {
        if (!File.Exists(path))
        {
            throw new BacktestException(2, $"--pipeline = '{path}': the file does not exist.");
        }

        PipelineDefinition definition;
        try
        {
            definition = PipelineDefinition.Load(path);
        }
        catch (InvalidPipelineException exception)
        {
            throw new BacktestException(3, string.Join(" ", exception.Errors));
        }
        catch (IOException exception)
        {
            throw new BacktestException(2, $"--pipeline = '{path}': cannot be read: {exception.Message}");
        }

        var errors = definition.Validate(path);
        if (errors.Count > 0)
        {
            throw new BacktestException(3, $"invalid pipeline: {string.Join("; ", errors)}");
        }

        return definition;
    }

    private ModelWeights LoadWeights(PipelineDefinition definition)
    {
        var shape = definition.CreateShape();
        if (settings.ModelPath is null)
        {
            // As the daemon starts (InitialModel): from Model:File when set (relative to the current directory here).
            return string.IsNullOrWhiteSpace(definition.Model.File) ? ModelWeights.Initialize(shape, definition.Model.Seed)
                : ModelFiles.Load(Path.GetFullPath(definition.Model.File), shape, "Model:File");
        }

        if (!File.Exists(settings.ModelPath))
        {
            throw new BacktestException(2, $"--model = '{settings.ModelPath}': the file does not exist.");
        }

        try
        {
            using var stream = File.OpenRead(settings.ModelPath);
            return ModelWeights.ReadFrom(stream, shape);
        }
        catch (ModelFormatException exception)
        {
            throw new BacktestException(2, $"--model = '{settings.ModelPath}': {exception.Message}");
        }
    }
}
