namespace StreamRnn.Benchmarks.Comparisons;

/// <summary>Reproducible benchmark inputs: the same seed gives the same floats on every run and on both sides.</summary>
public static class SeededData
{
    /// <summary><paramref name="count"/> floats uniform in [−<paramref name="scale"/>, <paramref name="scale"/>).</summary>
    public static float[] Uniform(int count, int seed, float scale)
    {
        Random random = new(seed);
        float[] values = new float[count];
        for (int index = 0; index < values.Length; index++)
        {
            values[index] = scale * ((2f * random.NextSingle()) - 1f);
        }

        return values;
    }
}
