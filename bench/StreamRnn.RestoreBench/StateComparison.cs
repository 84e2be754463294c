using StreamRnn.Engine.Runtime;

namespace StreamRnn.RestoreBench;

/// <summary>
/// Checks that a restored runtime holds exactly the source's state, two ways: a sample of keys through the public
/// <see cref="PipelineRuntime.QueryKey"/> (recurrent state compared as raw bits), and every key of every partition
/// through the runtimes' own snapshots, which must be byte-identical (each key's full changelog value: state,
/// statistics, previous values, pending predictions, training window, bookkeeping; the clock is fixed, so even the
/// snapshot header matches).
/// </summary>
internal static class StateComparison
{
    public static void Check(PipelineRuntime source, PipelineRuntime restored, int keys, int partitions, int sample)
    {
        if (restored.KeyCount != source.KeyCount || source.KeyCount != keys)
        {
            throw new InvalidOperationException($"Restored {restored.KeyCount} keys, the source holds {source.KeyCount} (expected {keys}).");
        }

        var random = new Random(23);
        for (int i = 0; i < sample; i++)
        {
            string key = $"S{random.Next(keys):D7}";
            var expected = source.QueryKey(key) ?? throw new InvalidOperationException($"Source lacks {key}.");
            var actual = restored.QueryKey(key) ?? throw new InvalidOperationException($"Restored runtime lacks {key}.");
            if (expected.Partition != actual.Partition || expected.LastAppliedOffset != actual.LastAppliedOffset || expected.LastEventTime != actual.LastEventTime || expected.Steps != actual.Steps
                || expected.ModelVersion != actual.ModelVersion || !SameBits(expected.LastPredictionMean, actual.LastPredictionMean)
                || !SameBits(expected.LastPredictionStandardDeviation, actual.LastPredictionStandardDeviation)
                || !MemoryExtensions.SequenceEqual<byte>(System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.HiddenState.AsSpan()),
                    System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.HiddenState.AsSpan())))
            {
                throw new InvalidOperationException($"Key {key} differs after restore.");
            }
        }

        for (int partition = 0; partition < partitions; partition++)
        {
            using var expected = new MemoryStream();
            using var actual = new MemoryStream();
            source.WriteSnapshot(partition, expected);
            restored.WriteSnapshot(partition, actual);
            if (!expected.GetBuffer().AsSpan(0, (int)expected.Length).SequenceEqual(actual.GetBuffer().AsSpan(0, (int)actual.Length)))
            {
                throw new InvalidOperationException($"Partition {partition}: the restored runtime's snapshot differs from the source's.");
            }
        }
    }

    private static bool SameBits(double? a, double? b) =>
        a.HasValue == b.HasValue && (!a.HasValue || BitConverter.DoubleToInt64Bits(a.Value) == BitConverter.DoubleToInt64Bits(b!.Value));
}
