using System.Diagnostics;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.RestoreBench;

/// <summary>
/// One in-memory run: fill a runtime with <c>keys</c> keys, capture the changelog its flush writes, then restore a
/// fresh runtime from those records (as ChangelogRestorer does, without the broker) and another from local snapshot
/// files (as PartitionSnapshotStore does, without its header), each checked bit for bit against the source.
/// </summary>
internal static class RestoreMeasurement
{
    public static readonly DateTimeOffset Now = new(2024, 1, 2, 0, 0, 0, TimeSpan.Zero);

    public static RestoreResult Run(int keys, int steps, int partitions, bool training, string directory, int sample)
    {
        var clock = new FixedClock(Now);
        var definition = RestorePipeline.Create(keys, training);
        var weights = ModelWeights.Initialize(definition.CreateShape(), definition.Model.Seed);
        var source = new PipelineRuntime(definition, weights, clock, metrics: null);
        var changelog = new CapturedChangelog();
        var step = StateFiller.Fill(source, changelog, keys, steps, partitions);
        source.FlushChangelog(changelog);
        if (changelog.Count != keys)
        {
            throw new InvalidOperationException($"The flush wrote {changelog.Count} records for {keys} keys.");
        }

        // (b) Changelog: every record through Restore, in the order the flush wrote them.
        long heapBefore = SettledHeap();
        var fromChangelog = new PipelineRuntime(definition, weights, clock, metrics: null);
        var started = Timing.Start();
        for (int i = 0; i < changelog.Count; i++)
        {
            fromChangelog.Restore(changelog.PartitionOf(i), changelog.KeyOf(i), changelog.ValueOf(i));
        }

        var changelogTime = Timing.Since(started);
        long heapRestored = SettledHeap() - heapBefore;
        StateComparison.Check(source, fromChangelog, keys, partitions, sample);
        fromChangelog = null;

        // (d) The runtime's own share of writing a snapshot: every partition encoded into Stream.Null (no file system).
        var encode = Timing.Start();
        for (int partition = 0; partition < partitions; partition++)
        {
            source.WriteSnapshot(partition, Stream.Null);
        }

        var encodeOnly = Timing.Since(encode);

        // (c, d) Snapshots: one file per partition, written and fsynced, then read into a fresh runtime.
        Directory.CreateDirectory(directory);
        var write = default(Timing);
        long fsyncTicks = 0, fileBytes = 0;
        for (int partition = 0; partition < partitions; partition++)
        {
            using var file = new FileStream(PathOf(directory, partition), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            var t0 = Timing.Start();
            source.WriteSnapshot(partition, file);
            file.Flush(flushToDisk: false);
            write += Timing.Since(t0);
            long t1 = Stopwatch.GetTimestamp();
            file.Flush(flushToDisk: true);
            fsyncTicks += Stopwatch.GetTimestamp() - t1;
            fileBytes += file.Length;
        }

        SettledHeap();
        var fromSnapshot = new PipelineRuntime(definition, weights, clock, metrics: null);
        started = Timing.Start();
        for (int partition = 0; partition < partitions; partition++)
        {
            using var file = new FileStream(PathOf(directory, partition), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            fromSnapshot.ReadSnapshot(file);
        }

        var snapshotRead = Timing.Since(started);
        StateComparison.Check(source, fromSnapshot, keys, partitions, sample);
        for (int partition = 0; partition < partitions; partition++)
        {
            File.Delete(PathOf(directory, partition));
        }

        return new RestoreResult(training, keys, source.StateBytes, heapRestored, (double)changelog.ValueBytes / keys,
            (double)changelog.KeyBytes / keys, step, changelogTime, encodeOnly, write,
            (double)fsyncTicks / Stopwatch.Frequency, fileBytes, snapshotRead);
    }

    private static string PathOf(string directory, int partition) => Path.Combine(directory, $"partition-{partition}.snapshot");

    /// <summary>The managed heap after a full, compacting collection (so differences are live bytes).</summary>
    private static long SettledHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }
}
