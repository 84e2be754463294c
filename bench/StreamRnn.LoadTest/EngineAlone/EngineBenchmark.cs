using System.Diagnostics;
using Prometheus;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.LoadTest.Configuration;
using StreamRnn.LoadTest.Measurement;
using StreamRnn.LoadTest.Workload;

namespace StreamRnn.LoadTest.EngineAlone;

/// <summary>
/// The engine fed from memory: <see cref="PipelineRuntime.Process"/> (decode → normalise → batched recurrent step →
/// prediction JSON) over pre-built input records, 2 048 per call as the consumer loop hands them over, on this one
/// thread, into a <see cref="DiscardingSink"/>.
/// </summary>
public static class EngineBenchmark
{
    /// <summary>Records per Process call: StreamProcessorOptions.MaxPollRecords' default.</summary>
    public const int BatchRecords = 2048;

    /// <param name="cell">LSTM or GRU; H = 32 from the pipeline file.</param>
    /// <param name="withMetrics">Record Prometheus metrics as the daemon does (into a private registry).</param>
    /// <param name="records">Records fed through the runtime: the first quarter (at least 3 batches) warms up, the rest is measured.</param>
    public static EngineResult Measure(CellKind cell, bool withMetrics, InputRecord[] records)
    {
        var definition = LoadPipeline.Load(cell);
        var metrics = withMetrics ? new StreamRnnMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())) : null;
        var runtime = LoadPipeline.Runtime(definition, metrics);
        var sink = new DiscardingSink();
        int warmUp = Math.Max(3 * BatchRecords, records.Length / 4 / BatchRecords * BatchRecords);

        // Warm up in slices with pauses, so that tiered compilation's background thread (starved on a busy
        // machine) has promoted the hot methods before the measurement starts.
        int slice = Math.Max(BatchRecords, warmUp / 4 / BatchRecords * BatchRecords);
        for (int start = 0; start < warmUp; start += slice)
        {
            Feed(runtime, sink, records.AsSpan(start, Math.Min(slice, warmUp - start)));
            Thread.Sleep(150);
        }

        long predictionsBefore = sink.Predictions, bytesBefore = sink.PredictionBytes, deadBefore = sink.DeadLetters;
        var measured = records.AsSpan(warmUp);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long cpu = ThreadCpuClock.Nanoseconds();
        long started = Stopwatch.GetTimestamp();
        Feed(runtime, sink, measured);
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        long cpuAfter = ThreadCpuClock.Nanoseconds();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        long predictions = sink.Predictions - predictionsBefore;
        string label = $"{cell.ToString().ToUpperInvariant()} H={definition.Model.HiddenSize}, metrics {(withMetrics ? "on" : "off")}";
        return new EngineResult(label, measured.Length, wall, cpu >= 0 && cpuAfter >= 0 ? (cpuAfter - cpu) / 1e9 : double.NaN,
            allocated, predictions, sink.DeadLetters - deadBefore,
            predictions > 0 ? (double)(sink.PredictionBytes - bytesBefore) / predictions : double.NaN);
    }

    private static void Feed(PipelineRuntime runtime, DiscardingSink sink, ReadOnlySpan<InputRecord> records)
    {
        for (int start = 0; start < records.Length; start += BatchRecords)
        {
            runtime.Process(records.Slice(start, Math.Min(BatchRecords, records.Length - start)), sink);
        }
    }
}
