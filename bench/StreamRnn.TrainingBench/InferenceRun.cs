using System.Diagnostics;
using System.Globalization;
using System.Reactive.Concurrency;
using System.Text;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;

namespace StreamRnn.TrainingBench;

/// <summary>
/// One pass of the same records through a fresh <see cref="PipelineRuntime"/>, with or without an
/// <see cref="OnlineTrainer"/> on its own thread (the daemon's arrangement: the champion is read between batches).
/// </summary>
internal sealed record InferenceRun(double RecordsPerSecond, double P50Microseconds, double P99Microseconds, long WindowsTrained, long Promotions)
{
    public const int Keys = 256;
    public const int BatchRecords = 256;
    private const int Steps = 800;

    /// <summary>Batches between two <c>FlushChangelog</c> calls (the daemon's commit; with a journal, its checkpoint).</summary>
    private const int CommitEvery = 100;

    public static InferenceRun Measure(double[] values, int hidden, bool train, bool journal = false)
    {
        var definition = BenchPipeline.Create(hidden);
        var initial = ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed);
        using var registry = new ModelRegistry(initial);
        var runtime = new PipelineRuntime(definition, initial, TimeProvider.System, metrics: null);
        using var trainer = train ? new OnlineTrainer("bench", definition.Training, registry, DefaultScheduler.Instance) : null;
        string journalDirectory = Path.Combine(Path.GetTempPath(), "streamrnn-bench-journal-" + Guid.NewGuid().ToString("N"));
        using var windowJournal = train && journal
            ? new WindowJournal(journalDirectory, initial.Shape.StateSize, initial.Shape.InputSize, definition.Training.WindowSteps)
            : null;
        if (trainer is not null)
        {
            if (windowJournal is not null)
            {
                trainer.AttachJournal(windowJournal);
            }

            runtime.Trainer = trainer;
            trainer.Start();
        }

        // Pre-encoded records: key k carries the series from offset 37·k, one step per batch row.
        var batches = new List<InputRecord[]>();
        byte[][] keys = Enumerable.Range(0, Keys).Select(k => Encoding.UTF8.GetBytes($"key-{k}")).ToArray();
        for (int step = 0; step < Steps; step++)
        {
            var batch = new InputRecord[BatchRecords];
            for (int i = 0; i < BatchRecords; i++)
            {
                int key = i % Keys;
                double value = values[(37 * key + step) % values.Length];
                batch[i] = new InputRecord(0, step, 0, keys[key],
                    Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"ts\": {1_700_000_000_000L + step * 1000L}, \"value\": {value:R}}}")));
            }

            batches.Add(batch);
        }

        var sink = new DiscardingSink();
        // Warm-up (tiered compilation, first windows): the first quarter is not timed.
        int warm = Steps / 4;
        for (int b = 0; b < warm; b++)
        {
            runtime.Weights = registry.Current;
            runtime.Process(batches[b], sink);
            if (b % CommitEvery == CommitEvery - 1)
            {
                runtime.FlushChangelog(sink);
            }
        }

        double[] latencies = new double[Steps - warm];
        long started = Stopwatch.GetTimestamp();
        for (int b = warm; b < Steps; b++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var champion = registry.Current;
            if (!ReferenceEquals(champion, runtime.Weights))
            {
                runtime.Weights = champion;
            }

            runtime.Process(batches[b], sink);
            if (b % CommitEvery == CommitEvery - 1)
            {
                runtime.FlushChangelog(sink);
            }

            latencies[b - warm] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Array.Sort(latencies);
        long windowsTrained = trainer?.WindowsTrained ?? 0;
        trainer?.Dispose();
        windowJournal?.Dispose();
        if (Directory.Exists(journalDirectory))
        {
            Directory.Delete(journalDirectory, recursive: true);
        }

        return new InferenceRun((Steps - warm) * BatchRecords / seconds, latencies[latencies.Length / 2],
            latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1], windowsTrained, registry.LatestVersion - 1);
    }
}
