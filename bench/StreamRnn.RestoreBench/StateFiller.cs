using System.Text.Unicode;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.RestoreBench;

/// <summary>
/// Gives a runtime <c>keys</c> keys with real history: <c>steps</c> stock ticks per key (close, high, low, volume as
/// JSON, the symbol as the key field), interleaved across keys as a live feed would bring them, spread over the
/// partitions by key number. Times the last pass, when every key exists: the per-record cost of steady processing
/// (decode, normalise, one recurrent step, head, prediction) that a restore is compared with.
/// </summary>
internal static class StateFiller
{
    private const int BatchRecords = 4096;
    private const long StartMs = 1_704_067_200_000; // 2024-01-01T00:00:00Z

    /// <returns>Wall and CPU seconds per record in the last pass.</returns>
    public static Timing Fill(PipelineRuntime runtime, IRecordSink sink, int keys, int steps, int partitions)
    {
        long[] offsets = new long[partitions];
        var records = new InputRecord[BatchRecords];
        byte[] buffer = new byte[BatchRecords * 160];
        var random = new Random(17);
        var lastPass = default(Timing);
        for (int step = 0; step < steps; step++)
        {
            // Only Process is timed: formatting the JSON is the bench's cost, not the runtime's.
            var processing = default(Timing);
            for (int first = 0; first < keys; first += BatchRecords)
            {
                int count = Math.Min(BatchRecords, keys - first);
                int used = 0;
                for (int i = 0; i < count; i++)
                {
                    int key = first + i;
                    int partition = key % partitions;
                    double close = 20 + key % 480 + step * 0.25 + random.NextDouble();
                    double high = close * (1 + 0.01 * random.NextDouble());
                    double low = close * (1 - 0.01 * random.NextDouble());
                    long volume = 1_000 + random.Next(1_000_000);
                    var destination = buffer.AsSpan(used);
                    if (!Utf8.TryWrite(destination, System.Globalization.CultureInfo.InvariantCulture,
                            $"{{\"symbol\":\"S{key:D7}\",\"close\":{close:F4},\"high\":{high:F4},\"low\":{low:F4},\"volume\":{volume}}}",
                            out int written))
                    {
                        throw new InvalidOperationException("Record buffer too small.");
                    }

                    records[i] = new InputRecord(partition, offsets[partition]++, StartMs + step * 60_000L, ReadOnlyMemory<byte>.Empty,
                        buffer.AsMemory(used, written));
                    used += written;
                }

                var started = Timing.Start();
                runtime.Process(records.AsSpan(0, count), sink);
                processing += Timing.Since(started);
            }

            lastPass = processing;
        }

        return new Timing(lastPass.WallSeconds / keys, lastPass.CpuSeconds / keys);
    }
}
