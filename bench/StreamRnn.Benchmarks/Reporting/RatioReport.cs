using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using StreamRnn.Benchmarks.Comparisons;

namespace StreamRnn.Benchmarks.Reporting;

/// <summary>
/// Turns BenchmarkDotNet summaries into one row per configuration (StreamRnn and libtorch side by side, from the same
/// run) and checks issue #2's targets against them.
/// </summary>
public static class RatioReport
{
    private const string Core = nameof(ForwardStepBenchmarks.StreamRnnCore);
    private const string TorchOneThread = nameof(ForwardStepBenchmarks.LibTorchOneThread);
    private const string TorchDefault = nameof(ForwardStepBenchmarks.LibTorchDefaultThreads);

    /// <summary>Rows for every configuration whose StreamRnn case produced a result.</summary>
    public static IReadOnlyList<RatioRow> Collect(IEnumerable<Summary> summaries)
    {
        List<RatioRow> rows = [];
        foreach (var summary in summaries)
        {
            var configurations = summary.Reports
                .Where(report => report.ResultStatistics is not null)
                .GroupBy(report => report.BenchmarkCase.Descriptor.Type.Name + "|" + report.BenchmarkCase.Parameters.DisplayInfo);
            foreach (var configuration in configurations)
            {
                var core = configuration.FirstOrDefault(report => MethodOf(report) == Core);
                if (core is null)
                {
                    continue;
                }

                var oneThread = configuration.FirstOrDefault(report => MethodOf(report) == TorchOneThread);
                var defaultThreads = configuration.FirstOrDefault(report => MethodOf(report) == TorchDefault);
                var coreCase = core.BenchmarkCase;
                rows.Add(new RatioRow(
                    coreCase.Descriptor.Type == typeof(TruncatedBackpropBenchmarks) ? $"TBPTT k={TruncatedBackpropBenchmarks.WindowSteps}" : "Step",
                    coreCase.Parameters["Cell"].ToString()!.ToUpperInvariant(),
                    (int)coreCase.Parameters["HiddenSize"],
                    coreCase.Parameters.Items.Any(item => item.Name == "Batch") ? (int)coreCase.Parameters["Batch"] : 1,
                    core.ResultStatistics!.Min,
                    core.GcStats.GetBytesAllocatedPerOperation(coreCase),
                    oneThread?.ResultStatistics?.Min,
                    defaultThreads?.ResultStatistics?.Min,
                    oneThread?.GcStats.GetBytesAllocatedPerOperation(oneThread.BenchmarkCase)));
            }
        }

        return [.. rows.OrderBy(row => row.Suite, StringComparer.Ordinal).ThenBy(row => row.Cell, StringComparer.Ordinal)
            .ThenBy(row => row.HiddenSize).ThenBy(row => row.Batch)];
    }

    /// <summary>A Markdown table of the rows.</summary>
    public static string ToMarkdown(IReadOnlyList<RatioRow> rows, int defaultThreads, string statistic)
    {
        StringBuilder text = new();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| Work | Cell | H | B | StreamRnn | alloc B/op (thread) | alloc B/op (process) | libtorch 1 thread | libtorch {defaultThreads} threads (default) | libtorch alloc B/op | ratio 1T | ratio default |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Suite} | {row.Cell} | {row.HiddenSize} | {row.Batch} | {Time(row.CoreNanoseconds)} | {Bytes(row.CoreThreadAllocatedBytes)} | {Bytes(row.CoreAllocatedBytes)} | " +
                $"{Time(row.TorchOneThreadNanoseconds)} | {Time(row.TorchDefaultNanoseconds)} | {Bytes(row.TorchAllocatedBytes)} | " +
                $"{Ratio(row.OneThreadRatio)} | {Ratio(row.DefaultThreadsRatio)} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Times are {statistic} per call (one call = one step of B keys, or one k-step window forward + backward).");
        text.AppendLine("ratio = libtorch time ÷ StreamRnn time (> 1: StreamRnn faster; equals the throughput ratio).");
        text.AppendLine("alloc (thread): exact, GC.GetAllocatedBytesForCurrentThread around 2,000 calls after 2,000 warm-up calls, rounded up.");
        text.AppendLine("alloc (process): BenchmarkDotNet's MemoryDiagnoser (process-wide counter, includes other threads' allocations).");
        return text.ToString();
    }

    /// <summary>Issue #2's three targets, judged on the rows.</summary>
    public static IReadOnlyList<TargetVerdict> Evaluate(IReadOnlyList<RatioRow> rows)
    {
        List<TargetVerdict> verdicts = [];
        var single = rows.FirstOrDefault(row => row.Suite == "Step" && row.Cell == "LSTM" && row.HiddenSize == 64 && row.Batch == 1);
        double? singleRatio = single is null ? null : Min(single.OneThreadRatio, single.DefaultThreadsRatio);
        verdicts.Add(new TargetVerdict(
            "B=1 LSTM step, H=64: ≥ 20× faster than libtorch per call",
            singleRatio is null ? null : singleRatio >= 20,
            single is null ? "not measured" : $"{Ratio(single.OneThreadRatio)} (1 thread), {Ratio(single.DefaultThreadsRatio)} (default)"));

        List<RatioRow> batched = [.. rows.Where(row => row.Suite == "Step" && row.Batch == 256 && row.OneThreadRatio is not null)];
        verdicts.Add(new TargetVerdict(
            "B=256 step: ≥ 0.8× libtorch single-threaded throughput",
            batched.Count == 0 ? null : batched.All(row => row.OneThreadRatio >= 0.8),
            batched.Count == 0 ? "not measured" : string.Join(", ", batched.Select(row => $"{row.Cell} H={row.HiddenSize}: {Ratio(row.OneThreadRatio)}"))));

        List<RatioRow> measured = [.. rows.Where(row => row.CoreThreadAllocatedBytes is not null)];
        List<RatioRow> allocating = [.. measured.Where(row => row.CoreThreadAllocatedBytes != 0)];
        verdicts.Add(new TargetVerdict(
            "0 bytes allocated per step (and per TBPTT window), counted on the calling thread",
            measured.Count == 0 ? null : allocating.Count == 0,
            measured.Count == 0 ? "not measured"
                : allocating.Count == 0 ? $"0 B in all {measured.Count} StreamRnn configurations"
                : string.Join(", ", allocating.Select(row => $"{row.Suite} {row.Cell} H={row.HiddenSize} B={row.Batch}: {row.CoreThreadAllocatedBytes} B"))));
        return verdicts;
    }

    private static string MethodOf(BenchmarkReport report) => report.BenchmarkCase.Descriptor.WorkloadMethod.Name;

    private static double? Min(double? left, double? right) =>
        left is null ? right : right is null ? left : Math.Min(left.Value, right.Value);

    private static string Ratio(double? ratio) => ratio is null ? "–" : ratio.Value.ToString(ratio.Value >= 10 ? "F0" : "F2", CultureInfo.InvariantCulture) + "×";

    private static string Bytes(long? bytes) => bytes is null ? "–" : bytes.Value.ToString(CultureInfo.InvariantCulture);

    private static string Time(double? nanoseconds) => nanoseconds switch
    {
        null => "–",
        < 1_000 => $"{nanoseconds.Value.ToString("F0", CultureInfo.InvariantCulture)} ns",
        < 1_000_000 => $"{(nanoseconds.Value / 1_000).ToString("F2", CultureInfo.InvariantCulture)} µs",
        _ => $"{(nanoseconds.Value / 1_000_000).ToString("F2", CultureInfo.InvariantCulture)} ms",
    };
}
