using System.Globalization;
using StreamRnn.LoadTest.EngineAlone;
using StreamRnn.LoadTest.Profiling;
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
        double ratio = d / p, medianRatio = Median(daemon) / Median(passthrough);
        output.WriteLine($"  passthrough: mean {N(p)}, median {N(Median(passthrough))}, range {Range(passthrough)} records/s");
        output.WriteLine($"  daemon:      mean {N(d)}, median {N(Median(daemon))}, range {Range(daemon)} records/s");
        output.WriteLine($"  daemon/passthrough = {F(100 * ratio, 0)} % (means), {F(100 * medianRatio, 0)} % (medians); " +
                         $"target ≥ {F(100 * EndToEndTarget, 0)} %: {(Math.Min(ratio, medianRatio) >= EndToEndTarget ? "met" : "MISSED")}");
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

        // A loop thread near 100 % is CPU-bound; well below, it waits for the broker (fetches, acknowledgements).
        output.WriteLine($"  loop thread on CPU: passthrough {F(100 * Busy(passthrough), 0)} %, daemon {F(100 * Busy(daemon), 0)} % of wall time; " +
                         $"whole process: passthrough {F(passthrough.Average(r => r.CpuSeconds / r.WallSeconds), 2)}, daemon {F(daemon.Average(r => r.CpuSeconds / r.WallSeconds), 2)} cores");
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
            output.WriteLine();
            output.WriteLine("  CPU by thread in the latency runs, % of one core (mean; load producer and probe included)");
            output.WriteLine($"  {"thread group",-24} {"passthrough",11} {"daemon",8}");
            var groups = runs.SelectMany(r => r.Threads).Select(t => t.Group).Distinct()
                .Select(g => (Group: g, P: Share(passthrough, g), D: Share(daemon, g)))
                .Where(r => r.P >= 1 || r.D >= 1).OrderByDescending(r => r.P + r.D);
            foreach (var row in groups)
            {
                output.WriteLine($"  {row.Group,-24} {F(row.P, 0),11} {F(row.D, 0),8}");
            }
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

    public void Budget(IReadOnlyList<BudgetLine> lines, int records, int passes)
    {
        output.WriteLine();
        output.WriteLine($"Loop-thread budget: each step on one thread over the same {N(records)} records, thread CPU time " +
                         $"(fastest of {passes - 1} pass(es) after a warm-up pass)");
        output.WriteLine($"  {"step",-52} {"µs/record",9} {"B/record",9}");
        foreach (var line in lines)
        {
            output.WriteLine($"  {line.Step,-52} {F(line.CpuMicrosecondsPerRecord, 2),9} {F(line.BytesPerRecord, 1),9}");
        }

        double consume = Step(lines, LoopBudget.Consume), produce = Step(lines, LoopBudget.ProduceUnchanged);
        double engine = Step(lines, LoopBudget.EngineDiscarding), engineToKafka = Step(lines, LoopBudget.EngineToKafka);
        double passthrough = consume + produce, daemon = consume + engineToKafka;
        output.WriteLine($"  passthrough loop ≈ consume + produce = {F(passthrough, 2)} µs → at most {N(1e6 / passthrough)} records/s on one core");
        output.WriteLine($"  daemon loop ≈ consume + engine + KafkaRecordSink = {F(daemon, 2)} µs → at most {N(1e6 / daemon)} records/s on one core " +
                         $"({F(100 * passthrough / daemon, 0)} % of the passthrough's)");
        double noCopy = Step(lines, LoopBudget.EngineNoCopy);
        output.WriteLine($"  of the daemon's extra {F(daemon - passthrough, 2)} µs: engine {F(engine, 2)}, producing predictions instead of the input " +
                         $"{F(engineToKafka - engine - produce, 2)} (of which the two per-output copies {F(engineToKafka - noCopy, 2)}, " +
                         $"the larger message in Confluent.Kafka/librdkafka {F(noCopy - engine - produce, 2)})");
    }

    private static double Step(IReadOnlyList<BudgetLine> lines, string step) => lines.Single(l => l.Step == step).CpuMicrosecondsPerRecord;

    private static double Share(IReadOnlyList<LatencyResult> runs, string group) =>
        runs.Average(r => 100 * r.Threads.Where(t => t.Group == group).Sum(t => t.Seconds) / r.WallSeconds);

    private static double Busy(IReadOnlyList<ThroughputResult> runs) =>
        runs.Average(r => r.Threads.Where(t => t.Group == "loop thread").Sum(t => t.Seconds) / r.WallSeconds);

    private static double Median(IReadOnlyList<ThroughputResult> runs)
    {
        var sorted = runs.Select(r => r.RecordsPerSecond).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Range(IReadOnlyList<ThroughputResult> runs) =>
        $"{N(runs.Min(r => r.RecordsPerSecond))}–{N(runs.Max(r => r.RecordsPerSecond))}";

    private static double PerRecord(IReadOnlyList<ThroughputResult> runs, string group) =>
        runs.Average(r => r.Threads.Where(t => t.Group == group).Sum(t => t.Seconds) * 1e6 / r.Records);

    private static string N(double value) => double.IsFinite(value) ? value.ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static string F(double value, int decimals) => double.IsFinite(value) ? value.ToString("F" + decimals, CultureInfo.InvariantCulture) : "–";
}
