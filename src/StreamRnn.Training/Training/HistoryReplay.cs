using System.Reactive.Concurrency;
using StreamRnn.Core;
using StreamRnn.Daemon.Backtest;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.Daemon.Training;

/// <summary>
/// Replays a history through the daemon's own <see cref="PipelineRuntime"/> (decoding, normalisation, per-key state,
/// window assembly) with given weights, and keeps every training window it completes.
/// </summary>
/// <remarks>
/// The runtime hands completed windows to an <see cref="OnlineTrainer"/>; here that trainer never trains: it is only
/// the runtime's window queue, drained after every micro-batch. So a window's inputs, targets and weights are exactly
/// those the daemon would train on, and its start state is the state these weights reach at the window's start.
/// Training:PositiveWeight applies as it does online (<see cref="ClassWeighting"/>, over the windows in replay
/// order), so the offline loss is the one the online trainer and its promotion use.
/// The micro-batches break at <paramref name="validationStartRow"/>: windows completed by rows before it are training
/// windows, the others validation windows. A training window's targets arrived before the cut, so no validation
/// target reaches training.
/// </remarks>
internal static class HistoryReplay
{
    public static TrainingWindowSet Collect(PipelineDefinition definition, BacktestInput input, ModelWeights weights,
        int validationStartRow, int batchRows)
    {
        var rows = input.Rows;
        var shape = weights.Shape;
        int steps = definition.Training.WindowSteps;
        var windows = new TrainingWindowSet(shape.StateSize, shape.InputSize, steps, rows.Length / steps + 16, shape.Horizons);
        var clock = new EventTimeClock();
        var runtime = new PipelineRuntime(definition, weights, clock, metrics: null);
        using var registry = new ModelRegistry(weights, keepVersions: 1);
        var queueOnly = new TrainingOptions
        {
            Enabled = true,
            WindowSteps = steps,
            QueueCapacity = batchRows + 1,
            TrainEveryWindows = 1,
            BatchWindows = 1,
            HoldBackWindows = 1,
            WarmupWindows = 0,
        };
        using var queue = new OnlineTrainer(definition.Name, queueOnly, registry, ImmediateScheduler.Instance);
        runtime.Trainer = queue;
        var classWeighting = ClassWeighting.Create(definition.Training, shape);

        var records = new InputRecord[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            long timestamp = row.EventTimeUnixMs == long.MinValue ? -1 : row.EventTimeUnixMs;
            records[i] = new InputRecord(0, i, timestamp, row.RecordKey, row.Json);
        }

        var sink = new DiscardingSink();
        int start = 0;
        windows.TrainingCount = -1;
        while (start < rows.Length)
        {
            int end = Math.Min(start + batchRows, rows.Length);
            if (start < validationStartRow && end > validationStartRow)
            {
                end = validationStartRow;
            }

            long newest = rows[end - 1].EventTimeUnixMs;
            if (newest != long.MinValue)
            {
                clock.AdvanceTo(newest);
            }

            runtime.Process(records.AsSpan(start, end - start), sink);
            while (queue.Queue.TryDequeue(out var window))
            {
                classWeighting?.Apply(window);
                windows.Add(window.StartState, window.Inputs, window.Targets, window.TargetWeights);
                window.Return();
            }

            if (end == validationStartRow)
            {
                windows.TrainingCount = windows.Count;
            }

            start = end;
        }

        if (windows.TrainingCount < 0)
        {
            windows.TrainingCount = windows.Count;
        }

        return windows;
    }

    /// <summary>The replay's predictions, dead letters and changelog records are not needed: only its windows.</summary>
    private sealed class DiscardingSink : IRecordSink
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
