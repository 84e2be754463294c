using System.Globalization;
using StreamRnn.LoadTest.EngineAlone;
using StreamRnn.LoadTest.Runs;

namespace StreamRnn.LoadTest.Reporting;

/// <summary>The tables the harness prints: runs, means, ratios against the passthrough, the CPU breakdown and the targets.</summary>
public sealed class LoadReport(TextWriter output)
{
    /// <summary>End to end: the daemon must reach at least this share of the passthrough's throughput.</summary>
    public const double EndToEndTarget = 0.5;

    /// <summary>Engine alone: events per second on one core.</summary>
    public const double EngineTarget = 200_000;

    public void Throughput(IReadOnlyList<ThroughputResult> passthrough, IReadOnlyList<ThroughputResult> daemon, string order)
    {
        output.WriteLine();
        output.WriteLine($"End to end, throughput: drain a pre-produced backlog; fresh embedded cluster per run; order {order}");
        output.WriteLine($"  records/s = outputs / (last − first output timestamp); wall = start → every output acknowledged (group join included)");
        output.WriteLine($"  {"run",-24} {"outputs",9} {"records/s",10} {"wall s",7} {"CPU µs/rec",10}  complete");
        foreach (var run in passthrough.Concat(daemon).OrderBy(r => r.Label, StringComparer.Ordinal))
        {
            output.WriteLine($"  {run.Label,-24} {N(run.Scan.Outputs),9} {N(run.RecordsPerSecond),10} {F(run.WallSeconds, 2),7} {F(run.CpuMicrosecondsPerRecord, 1),10}  " +
                             (run.Complete ? "yes" : $"NO ({run.Scan.DistinctInputs} distinct, {run.Scan.Untraced} untraced, {run.Scan.DroppedByBroker} dropped by broker)"));
        }

        double p = passthrough.Average(r => r.RecordsPerSecond), d = daemon.Average(r => r.RecordsPerSecond);
        double ratio = d / p;
        output.WriteLine($"  mean: passthrough {N(p)} records/s, {daemon[0].Label.Split(" #")[0]} {N(d)} records/s → daemon/passthrough = {F(100 * ratio, 0)} % " +
                         $"(target ≥ {F(100 * EndToEndTarget, 0)} %: {(ratio >= EndToEndTarget ? "met" : "MISSED")})");
        double pc = passthrough.Average(r => r.CpuMicrosecondsPerRecord), dc = daemon.Average(r => r.CpuMicrosecondsPerRecord);
        output.WriteLine($"  CPU per record (whole process): passthrough {F(pc, 1)} µs, daemon {F(dc, 1)} µs (+{F(dc - pc, 1)} µs)");

        output.WriteLine();
        output.WriteLine("  CPU by thread, µs per record (mean over runs; rdk:* are librdkafka's threads, the clients' and the mock broker's)");
        var groups = passthrough.Concat(daemon).SelectMany(r => r.Threads).GroupBy(t => t.Group)
            .Select(g => g.Key).ToList();
        var rows = groups.Select(g => (Group: g, P: PerRecord(passthrough, g), D: PerRecord(daemon, g)))
            .Where(r => r.P >= 0.05 || r.D >= 0.05).OrderByDescending(r => r.D + r.P).ToList();
        output.WriteLine($"  {"thread group",-24} {"passthrough",11} {"daemon",8} {"difference",10}");
        foreach (var row in rows)
        {
            output.WriteLine($"  {row.Group,-24} {F(row.P, 2),11} {F(row.D, 2),8} {F(row.D - row.P, 2),10}");
        }
    }

    public void Latency(IReadOnlyList<LatencyResult> runs, int rate, double seconds)
    {
        output.WriteLine();
        output.WriteLine($"End to end, latency: {N(rate)} records/s offered for 1 s (not counted) + {F(seconds, 1)} s (counted) after the contender joined; fresh cluster per run");
        output.WriteLine("  latency = input handed to the producer → output returned to the probe's Consume (same process, Stopwatch);");
        output.WriteLine("  latency_ms = the prediction's own field: input record timestamp → prediction written (daemon only, ms resolution)");
        output.WriteLine($"  {"run",-24} {"sent/s",8} {"p50 ms",7} {"p90 ms",7} {"p99 ms",7} {"max ms",7} {"latency_ms p50/p99",19} {"CPU %",6}  complete");
        foreach (var run in runs.OrderBy(r => r.Label, StringComparer.Ordinal))
        {
            var e = run.EndToEnd;
            string field = run.PredictionField.Count > 0 ? $"{F(run.PredictionField.P50, 0)} / {F(run.PredictionField.P99, 0)}" : "–";
            output.WriteLine($"  {run.Label,-24} {N(run.SentRate),8} {F(e.P50, 1),7} {F(e.P90, 1),7} {F(e.P99, 1),7} {F(e.Max, 1),7} {field,19} " +
                             $"{F(100 * run.CpuSeconds / run.WallSeconds, 0),6}  {(run.Complete ? "yes" : $"NO ({run.Traced} of {run.Sent}, {run.Untraced} untraced)")}");
        }

        var passthrough = runs.Where(r => r.Label.StartsWith("passthrough", StringComparison.Ordinal)).ToList();
        var daemon = runs.Except(passthrough).ToList();
        if (passthrough.Count > 0 && daemon.Count > 0)
        {
            output.WriteLine($"  mean p50 / p99: passthrough {F(passthrough.Average(r => r.EndToEnd.P50), 1)} / {F(passthrough.Average(r => r.EndToEnd.P99), 1)} ms, " +
                             $"daemon {F(daemon.Average(r => r.EndToEnd.P50), 1)} / {F(daemon.Average(r => r.EndToEnd.P99), 1)} ms");
        }
    }

    public void Engine(IReadOnlyList<EngineResult> results)
    {
        output.WriteLine();
        output.WriteLine($"Engine alone: PipelineRuntime.Process over in-memory records, {EngineBenchmark.BatchRecords} per call, 1 000 keys, one thread, discarding sink");
        output.WriteLine($"  {"model",-26} {"records",8} {"events/s",9} {"per CPU s",10} {"µs/event",8} {"B/event",8} {"pred B",7} {"target ≥ 200k/s",16}");
        foreach (var r in results)
        {
            // One core's rate is the thread's own CPU time: on a shared machine the wall clock includes time descheduled.
            double perCore = double.IsNaN(r.EventsPerCpuSecond) ? r.EventsPerSecond : r.EventsPerCpuSecond;
            output.WriteLine($"  {r.Label,-26} {N(r.Records),8} {N(r.EventsPerSecond),9} {N(r.EventsPerCpuSecond),10} {F(1e6 / perCore, 2),8} " +
                             $"{F(r.BytesPerEvent, 2),8} {F(r.AveragePredictionBytes, 0),7} {(perCore >= EngineTarget ? "met" : "MISSED"),16}" +
                             (r.DeadLetters > 0 ? $"  {r.DeadLetters} DEAD LETTERS" : ""));
        }
    }

    private static double PerRecord(IReadOnlyList<ThroughputResult> runs, string group) =>
        runs.Average(r => r.Threads.Where(t => t.Group == group).Sum(t => t.Seconds) * 1e6 / r.Records);

    private static string N(double value) => double.IsFinite(value) ? value.ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static string F(double value, int decimals) => double.IsFinite(value) ? value.ToString("F" + decimals, CultureInfo.InvariantCulture) : "–";
}
