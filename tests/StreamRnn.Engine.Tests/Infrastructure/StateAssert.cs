using StreamRnn.Engine.Runtime;

namespace StreamRnn.Engine.Tests;

/// <summary>Bit-for-bit comparison of two runtimes' per-key state.</summary>
internal static class StateAssert
{
    public static void BitIdentical(PipelineRuntime expected, PipelineRuntime actual)
    {
        var left = expected.Dump().OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        var right = actual.Dump().OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(left.Select(e => e.Key), right.Select(e => e.Key));
        for (int i = 0; i < left.Count; i++)
        {
            string key = left[i].Key;
            Assert.True(Bits(left[i].State).SequenceEqual(Bits(right[i].State)), $"state of {key} differs");
            Assert.True(Bits(left[i].Statistics).SequenceEqual(Bits(right[i].Statistics)), $"statistics of {key} differ");
            Assert.True(Bits(left[i].Previous).SequenceEqual(Bits(right[i].Previous)), $"previous values of {key} differ");
            Assert.True(Bits(left[i].Pending).SequenceEqual(Bits(right[i].Pending)), $"pending predictions of {key} differ");
            Assert.True(Bits(left[i].WindowFloats).SequenceEqual(Bits(right[i].WindowFloats)), $"training window of {key} differs");
            Assert.True(Bits(left[i].WindowDoubles).SequenceEqual(Bits(right[i].WindowDoubles)), $"training window scales of {key} differ");
            Assert.Equal(left[i].WindowFill, right[i].WindowFill);
            Assert.Equal(left[i].Offset, right[i].Offset);
            Assert.Equal(left[i].Steps, right[i].Steps);
        }
    }

    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    public static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <summary>Predictions grouped by key, in emission order within each key.</summary>
    public static Dictionary<string, List<string>> ByKey(RecordingSink sink) =>
        sink.Predictions.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Select(p => p.Json).ToList());
}
