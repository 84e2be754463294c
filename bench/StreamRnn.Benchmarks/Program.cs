using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using StreamRnn.Benchmarks.Comparisons;
using StreamRnn.Benchmarks.Configuration;
using StreamRnn.Benchmarks.LibTorch;
using StreamRnn.Benchmarks.NativeLoading;
using StreamRnn.Benchmarks.Pairing;
using StreamRnn.Benchmarks.Reporting;
using StreamRnn.Benchmarks.Validation;

// Modes (everything else goes to BenchmarkDotNet's own command line, e.g. --filter '*Forward*'):
//   --patch-native <file>   flag the glue's GLIBCXX_3.4.32 need weak (run by the MSBuild target after build)
//   --check                 only show that StreamRnn and libtorch compute the same states and gradients
//   --ratios                check, run the suite, then print StreamRnn vs libtorch side by side and the targets
//   --paired                check, then the same comparison interleaved in one process (no BenchmarkDotNet); see Pairing/
//   --spin <cell> <H> <B> <s> only StreamRnn's step in a loop for s seconds (a target for perf record); a 6th argument A = highway inputs
//   --full                  BenchmarkDotNet's default job instead of the short one
//   --in-process            run every case in this process instead of one child process per case
//   --cpu-clock             time by thread CPU time (in process); only StreamRnn and libtorch 1-thread cases
if (args.Length == 2 && args[0] == "--patch-native")
{
    var outcome = TorchSharpNativeLibrary.PatchFile(args[1]);
    Console.WriteLine($"{Path.GetFileName(args[1])}: {TorchSharpNativeLibrary.MissingVersion} need → {outcome}");
    return 0;
}

if (args.Length is 5 or 6 && args[0] == "--spin")
{
    ForwardStepBenchmarks spin = new()
    {
        Cell = Enum.Parse<StreamRnn.Core.CellKind>(args[1], ignoreCase: true),
        HiddenSize = int.Parse(args[2], CultureInfo.InvariantCulture),
        Batch = int.Parse(args[3], CultureInfo.InvariantCulture),
        HighwayInputs = args.Length == 6 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 0,
    };
    spin.SetupCore();
    long calls = 0;
    long start = Stopwatch.GetTimestamp();
    var duration = TimeSpan.FromSeconds(double.Parse(args[4], CultureInfo.InvariantCulture));
    while (Stopwatch.GetElapsedTime(start) < duration)
    {
        for (int index = 0; index < 100; index++)
        {
            spin.StreamRnnCore();
        }

        calls += 100;
    }

    Console.WriteLine($"{calls} calls, {Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls:F0} ns per call");
    return 0;
}

List<string> rest = [.. args];
bool ratios = rest.Remove("--ratios");
bool checkOnly = rest.Remove("--check");
bool paired = rest.Remove("--paired");
bool fullJob = rest.Remove("--full");
bool inProcess = rest.Remove("--in-process");
bool cpuClock = rest.Remove("--cpu-clock");

if (checkOnly || ratios || paired)
{
    foreach (string line in MachineDescription.Describe())
    {
        Console.WriteLine(line);
    }

    if (!EquivalenceCheck.Run(Console.Out))
    {
        Console.Error.WriteLine("StreamRnn and libtorch disagree: not benchmarking different computations.");
        return 1;
    }

    if (checkOnly)
    {
        return 0;
    }
}

if (paired)
{
    if (!ThreadCpuClock.IsAvailable)
    {
        Console.Error.WriteLine("--paired needs the Linux thread CPU clock.");
        return 1;
    }

    const int rounds = 31;
    var segment = TimeSpan.FromMilliseconds(10);
    var pairedRows = PairedComparison.Run(Console.Out, rounds, segment);
    string pairedReport = Report(
        $"StreamRnn vs libtorch, interleaved in one process ({rounds} rounds of ~{segment.TotalMilliseconds:F0} ms segments per side)",
        pairedRows, "StreamRnn and libtorch 1 thread: median thread CPU time; libtorch default threads: fastest wall-clock segment;");
    Console.WriteLine();
    Console.WriteLine(pairedReport);
    string pairedPath = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results", "paired-ratios.md");
    Directory.CreateDirectory(Path.GetDirectoryName(pairedPath)!);
    File.WriteAllText(pairedPath, pairedReport + Environment.NewLine);
    Console.WriteLine($"Written to {pairedPath}");
    return 0;
}

if (cpuClock && !rest.Contains("--filter"))
{
    // Thread CPU time cannot time libtorch's multi-threaded cases: their work runs on other threads.
    rest.AddRange(["--filter", "*.StreamRnnCore", "*.LibTorchOneThread"]);
}
else if (ratios && !rest.Contains("--filter"))
{
    rest.AddRange(["--filter", "*"]);
}

var summaries = BenchmarkSwitcher
    .FromTypes([typeof(ForwardStepBenchmarks), typeof(TruncatedBackpropBenchmarks), typeof(BatchedBackpropBenchmarks)])
    .Run([.. rest], BenchmarkConfigFactory.Create(fullJob, inProcess, cpuClock));

if (ratios)
{
    List<Summary> all = [.. summaries];
    List<RatioRow> rows = [.. RatioReport.Collect(all).Select(row => row with
    {
        CoreThreadAllocatedBytes = AllocationProbe.BytesPerCall(
            row.Suite != "Step", Enum.Parse<StreamRnn.Core.CellKind>(row.Cell, ignoreCase: true), row.HiddenSize, row.Batch, calls: 2_000),
    })];
    string clock = cpuClock ? "thread CPU time, in process" : "wall clock, one child process per case";
    string report = Report($"StreamRnn vs libtorch, BenchmarkDotNet ({clock}), measured side by side in one run", rows, "each case's fastest BenchmarkDotNet iteration (per-call mean within it)");
    Console.WriteLine();
    Console.WriteLine(report);
    string directory = all.Count > 0 ? all[0].ResultsDirectoryPath : Directory.GetCurrentDirectory();
    Directory.CreateDirectory(directory);
    string path = Path.Combine(directory, cpuClock ? "ratios-cpu-clock.md" : "ratios.md");
    File.WriteAllText(path, report + Environment.NewLine);
    Console.WriteLine($"Written to {path}");
}

return 0;

static string Report(string title, IReadOnlyList<RatioRow> rows, string statistic)
{
    List<string> lines = [$"## {title}", "", .. MachineDescription.Describe().Select(line => $"- {line}"), "",
        RatioReport.ToMarkdown(rows, LibTorchRuntime.DefaultThreadCount, statistic)];
    foreach (var verdict in RatioReport.Evaluate(rows))
    {
        string met = verdict.Met switch { true => "MET", false => "NOT MET", null => "not measured" };
        lines.Add($"- {verdict.Target}: **{met}** ({verdict.Evidence})");
    }

    return string.Join(Environment.NewLine, lines);
}
