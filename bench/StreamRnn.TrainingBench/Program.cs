using System.Globalization;
using StreamRnn.TrainingBench;

// Inference with the trainer on vs off (same records, same process, alternating passes), then training throughput.
// Usage: dotnet run -c Release --project bench/StreamRnn.TrainingBench -- [passes]
int passes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
double[] values = TaxiSeries.Load();
Console.WriteLine($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

// One untimed pair first: tiered compilation settles during it.
InferenceRun.Measure(values, hidden: 32, train: false);
InferenceRun.Measure(values, hidden: 32, train: true);
InferenceRun.Measure(values, hidden: 32, train: true, journal: true);
var off = new List<InferenceRun>();
var on = new List<InferenceRun>();
var journaled = new List<InferenceRun>();
for (int pass = 0; pass < passes; pass++)
{
    off.Add(InferenceRun.Measure(values, hidden: 32, train: false));
    on.Add(InferenceRun.Measure(values, hidden: 32, train: true));
    journaled.Add(InferenceRun.Measure(values, hidden: 32, train: true, journal: true));
}

// Medians over passes: the machine is shared, single passes can be descheduled.
var offMedian = off.OrderBy(r => r.RecordsPerSecond).ElementAt(passes / 2);
var onMedian = on.OrderBy(r => r.RecordsPerSecond).ElementAt(passes / 2);
var journaledMedian = journaled.OrderBy(r => r.RecordsPerSecond).ElementAt(passes / 2);
foreach (var (name, runs) in new[] { ("off", off), ("on", on), ("on+journal", journaled) })
{
    foreach (var run in runs)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"training {name,-10}: {run.RecordsPerSecond,10:N0} records/s, p50 {run.P50Microseconds,7:F1} µs, p99 {run.P99Microseconds,7:F1} µs per batch of {InferenceRun.BatchRecords}, windows trained {run.WindowsTrained}, promotions {run.Promotions}"));
    }
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median throughput on/off = {onMedian.RecordsPerSecond / offMedian.RecordsPerSecond:F3} (target ≥ 0.80); p99 on/off = {onMedian.P99Microseconds / offMedian.P99Microseconds:F2}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median throughput on+journal/off = {journaledMedian.RecordsPerSecond / offMedian.RecordsPerSecond:F3}; p99 on+journal/off = {journaledMedian.P99Microseconds / offMedian.P99Microseconds:F2}"));

foreach (int hidden in new[] { 32, 64 })
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"training throughput LSTM H={hidden} k=16 B=32: {TrainingThroughput.Measure(hidden),8:N0} windows/s (one thread)"));
}
