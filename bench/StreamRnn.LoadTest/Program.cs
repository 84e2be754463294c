using System.Globalization;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.LoadTest.Configuration;
using StreamRnn.LoadTest.Contenders;
using StreamRnn.LoadTest.EngineAlone;
using StreamRnn.LoadTest.Profiling;
using StreamRnn.LoadTest.Reporting;
using StreamRnn.LoadTest.Runs;
using StreamRnn.LoadTest.Workload;

// End-to-end load test: the daemon's consumer loop (LSTM H = 32) against a bare consume→produce passthrough through
// the embedded broker, in the same process and the same run, then the engine alone fed from memory.
// Exit code 0 when every run delivered every record exactly once, 1 when one did not, 2 on a bad command line.
// Missed targets are reported, not turned into a failure: the numbers are the product.
LoadTestSettings settings;
try
{
    settings = LoadTestSettings.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var output = Console.Out;
var report = new LoadReport(output);
output.WriteLine($"StreamRnn load test, {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC: {string.Join(' ', args)}");
output.WriteLine($"Machine: {MachineDescription.Describe()}");
bool complete = true;

if (!settings.SkipEngine)
{
    var engineWorkload = new LoadWorkload(settings.EngineRecords * 4 / 3, settings.Keys, settings.Seed + 3);
    var records = engineWorkload.ToInputRecords(settings.Partitions, startUnixMs: 1_700_000_000_000);
    var results = new List<EngineResult>();
    foreach (var (cell, metrics) in new[] { (CellKind.Lstm, true), (CellKind.Gru, true), (CellKind.Lstm, false), (CellKind.Gru, false) })
    {
        output.WriteLine($"… engine alone, {cell}, metrics {(metrics ? "on" : "off")}");
        var result = EngineBenchmark.Measure(cell, metrics, records);
        complete &= result.DeadLetters == 0 && result.Predictions == result.Records;
        results.Add(result);
    }

    report.Engine(results);
}

if (!settings.SkipEndToEnd)
{
    var definition = LoadPipeline.Load(CellKind.Lstm);
    var workload = new LoadWorkload(settings.Records, settings.Keys, settings.Seed);
    var warmupWorkload = new LoadWorkload(settings.WarmupRecords, settings.Keys, settings.Seed + 1);
    var latencyWorkload = new LoadWorkload(settings.LatencyRecords, settings.Keys, settings.Seed + 2);
    output.WriteLine();
    output.WriteLine($"Workload: {workload.Count:N0} records over {workload.KeyCount:N0} keys, {workload.AverageRecordBytes:F0} B key+value on average; " +
                     $"topics: input and changelog {settings.Partitions} partitions, output {settings.OutputPartitions}; " +
                     $"pipeline {LoadPipeline.FileName} ({definition.Model.Cell} H={definition.Model.HiddenSize}, {definition.Features.Count} features)");
    var runner = new EndToEndRun(settings, definition);

    // Each contender's first run warms up the JIT (tiered compilation, dynamic PGO) and is not reported.
    foreach (var kind in new[] { ContenderKind.Passthrough, ContenderKind.Daemon })
    {
        output.WriteLine($"… warm-up: {kind}, {warmupWorkload.Count:N0} records");
        await runner.ThroughputAsync(kind, warmupWorkload, $"{kind} warm-up");
    }

    var passthrough = new List<ThroughputResult>();
    var daemon = new List<ThroughputResult>();
    var order = new List<string>();
    for (int round = 0; round < settings.Rounds; round++)
    {
        // ABBA: passthrough first in even rounds, daemon first in odd ones, so drift in machine load cancels out.
        var kinds = round % 2 == 0 ? new[] { ContenderKind.Passthrough, ContenderKind.Daemon } : [ContenderKind.Daemon, ContenderKind.Passthrough];
        foreach (var kind in kinds)
        {
            string label = kind == ContenderKind.Daemon ? $"daemon LSTM H=32 #{round + 1}" : $"passthrough #{round + 1}";
            output.Write($"… throughput: {label} (load average {MachineDescription.LoadAverage()})");
            var result = await runner.ThroughputAsync(kind, workload, label);
            output.WriteLine($": {result.RecordsPerSecond:N0} records/s, wall {result.WallSeconds:F2} s");
            (kind == ContenderKind.Daemon ? daemon : passthrough).Add(result);
            order.Add(kind == ContenderKind.Daemon ? "D" : "P");
            complete &= result.Complete;
        }
    }

    var latency = new List<LatencyResult>();
    for (int round = 0; round < settings.Rounds; round++)
    {
        var kinds = round % 2 == 0 ? new[] { ContenderKind.Passthrough, ContenderKind.Daemon } : [ContenderKind.Daemon, ContenderKind.Passthrough];
        foreach (var kind in kinds)
        {
            string label = kind == ContenderKind.Daemon ? $"daemon LSTM H=32 #{round + 1}" : $"passthrough #{round + 1}";
            output.Write($"… latency: {label} (load average {MachineDescription.LoadAverage()})");
            var result = await runner.LatencyAsync(kind, latencyWorkload, label);
            output.WriteLine($": p50 {result.EndToEnd.P50:F1} ms, p99 {result.EndToEnd.P99:F1} ms");
            latency.Add(result);
            complete &= result.Complete;
        }
    }

    report.Throughput(passthrough, daemon, string.Join(' ', order));
    report.Latency(latency, settings.LatencyRate, settings.LatencySeconds);
    if (!settings.SkipProfile)
    {
        output.WriteLine();
        output.WriteLine("… loop-thread budget");
        report.Budget(LoopBudget.Measure(settings, definition, workload), workload.Count, Math.Max(2, settings.BudgetPasses));
    }
}

output.WriteLine();
output.WriteLine(complete ? "Every run delivered every record exactly once." : "SOME RUN DID NOT DELIVER EVERY RECORD EXACTLY ONCE (see 'complete').");
return complete ? 0 : 1;
