using System.Globalization;
using StreamRnn.RestoreBench;

// State restore, side by side: changelog records vs local snapshots, training window off and on, then the broker path.
// Usage: dotnet run -c Release --project bench/StreamRnn.RestoreBench -- [--keys 1000000] [--steps 4] [--partitions 8]
//        [--kafka-keys 20000] [--training both|off|on] [--sample 1000] [--directory DIR]
var settings = ParseArguments(args);
int keys = settings.GetValueOrDefault("keys", 1_000_000);
int steps = settings.GetValueOrDefault("steps", 4);
int partitions = settings.GetValueOrDefault("partitions", 8);
int kafkaKeys = settings.GetValueOrDefault("kafka-keys", 20_000);
int sample = Math.Min(settings.GetValueOrDefault("sample", 1_000), keys);
string training = Value(args, "--training") ?? "both";
string directory = Value(args, "--directory") ?? Path.Combine(Path.GetTempPath(), $"streamrnn-restorebench-{Environment.ProcessId}");
bool[] modes = training switch
{
    "off" => new[] { false },
    "on" => new[] { true },
    _ => new[] { false, true },
};

Console.WriteLine(Invariant($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, load average {LoadAverage()}"));
Console.WriteLine(Invariant($"pipeline: config/pipelines/stocks.json (LSTM H = 32, 1 layer, Gaussian, 4 features), {keys:N0} keys × {steps} records, {partitions} partitions"));

// An untimed small run first: tiered compilation settles during it.
RestoreMeasurement.Run(2_000, steps, partitions, training: true, directory, sample: 100);

foreach (bool train in modes)
{
    var r = RestoreMeasurement.Run(keys, steps, partitions, train, directory, sample);
    string name = train ? "training on" : "training off";
    Console.WriteLine();
    Console.WriteLine(Invariant($"== {name}: {r.Keys:N0} keys, checked bit for bit ({sample:N0} keys by QueryKey, all keys by snapshot bytes); load average {LoadAverage()}"));
    Console.WriteLine(Invariant($"state in memory (runtime.StateBytes)    {r.StateBytes / 1e6,10:F1} MB = {(double)r.StateBytes / r.Keys,7:F0} B/key"));
    Console.WriteLine(Invariant($"heap of the restored runtime            {r.HeapBytesRestored / 1e6,10:F1} MB = {(double)r.HeapBytesRestored / r.Keys,7:F0} B/key"));
    Console.WriteLine(Invariant($"changelog record (value + key)          {r.ChangelogValueBytes,10:F0} B + {r.ChangelogKeyBytes:F0} B"));
    Console.WriteLine(Invariant($"                                        wall (CPU of the thread)"));
    Console.WriteLine(Invariant($"processing, steady (last pass)          {Micro(r.StepPerRecord)} per record"));
    Console.WriteLine(Invariant($"restore from changelog records          {Seconds(r.ChangelogRestore)} = {Micro(Per(r.ChangelogRestore, r.Keys))} per key = {r.Keys / r.ChangelogRestore.WallSeconds:N0} ({r.Keys / r.ChangelogRestore.CpuSeconds:N0}) records/s; {Ratio(r.ChangelogRestore, r)} × a processed record"));
    Console.WriteLine(Invariant($"snapshot encode only (to Stream.Null)    {Seconds(r.SnapshotEncode)}"));
    Console.WriteLine(Invariant($"snapshot write ({partitions} files)              {Seconds(r.SnapshotWrite)} + fsync {r.SnapshotFsyncSeconds:F2} s; {r.SnapshotFileBytes / 1e6:F1} MB = {(double)r.SnapshotFileBytes / r.Keys:F0} B/key"));
    Console.WriteLine(Invariant($"restore from snapshot files (page cache) {Seconds(r.SnapshotRead)} = {Micro(Per(r.SnapshotRead, r.Keys))} per key; {Ratio(r.SnapshotRead, r)} × a processed record"));
}

if (kafkaKeys > 0)
{
    foreach (bool train in modes)
    {
        var k = KafkaRestoreMeasurement.Run(kafkaKeys, train, Math.Min(sample, kafkaKeys));
        Console.WriteLine();
        Console.WriteLine(Invariant($"== broker path, training {(train ? "on" : "off")}: {k.Keys:N0} keys, {k.Partitions} changelog partitions, {k.TopicBytes / 1e6:F1} MB on the embedded broker (checked bit for bit); load average {LoadAverage()}"));
        Console.WriteLine(Invariant($"produce the changelog                   {k.ProduceSeconds,8:F2} s"));
        Console.WriteLine(Invariant($"restore in memory (no broker)           {k.InMemorySeconds,8:F3} s = {k.Keys / k.InMemorySeconds,10:N0} records/s"));
        Console.WriteLine(Invariant($"bare consumer, nothing applied          {k.RawConsumeSeconds,8:F2} s = {k.Keys / k.RawConsumeSeconds,10:N0} records/s"));
        Console.WriteLine(Invariant($"ChangelogRestorer.Restore               {k.RestorerSeconds,8:F2} s = {k.Keys / k.RestorerSeconds,10:N0} records/s"));
    }
}

Directory.Delete(directory, recursive: true);
return;

static Timing Per(Timing t, int n) => new(t.WallSeconds / n, t.CpuSeconds / n);

static string Seconds(Timing t) => Invariant($"{t.WallSeconds,7:F2} s ({t.CpuSeconds:F2} s)");

static string Micro(Timing t) => Invariant($"{t.WallSeconds * 1e6,6:F2} µs ({t.CpuSeconds * 1e6:F2} µs)");

static string Ratio(Timing t, RestoreResult r) =>
    Invariant($"{t.WallSeconds / r.Keys / r.StepPerRecord.WallSeconds:F2} ({t.CpuSeconds / r.Keys / r.StepPerRecord.CpuSeconds:F2})");

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string? Value(string[] arguments, string name)
{
    int at = Array.IndexOf(arguments, name);
    return at >= 0 && at + 1 < arguments.Length ? arguments[at + 1] : null;
}

static Dictionary<string, int> ParseArguments(string[] arguments)
{
    var values = new Dictionary<string, int>();
    foreach (string name in new[] { "keys", "steps", "partitions", "kafka-keys", "sample" })
    {
        if (Value(arguments, "--" + name) is { } text)
        {
            values[name] = int.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);
        }
    }

    return values;
}
