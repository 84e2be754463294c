namespace StreamRnn.LoadTest.Measurement;

/// <summary>Percentiles of a set of latencies in milliseconds (nearest rank: the smallest value with at least p % at or below it).</summary>
public sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN);

    public static LatencySummary Of(List<double> milliseconds)
    {
        if (milliseconds.Count == 0)
        {
            return Empty;
        }

        milliseconds.Sort();
        return new LatencySummary(milliseconds.Count, Rank(milliseconds, 50), Rank(milliseconds, 90), Rank(milliseconds, 99), milliseconds[^1]);
    }

    private static double Rank(List<double> sorted, double percent)
    {
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
