namespace StreamRnn.Engine.Features;

/// <summary>
/// The CategoryLast inputs of one record: after setting last_{category of this record} = x, u_c = z(last_c) for every
/// category c, with z the feature's running statistics of x (already updated with this record's x, as a ZScore feature
/// standardises), and 0 for a category the key never had. O(1) per category, no allocation; <c>last</c> holds the raw
/// values (NaN = never seen) in the key's previous-value slab, so the inputs after a restore are the same.
/// </summary>
internal static class CategoryLast
{
    public static void Encode(double x, int category, ReadOnlySpan<double> statistic, double floor, Span<double> last, Span<float> input)
    {
        last[category] = x;
        for (int c = 0; c < last.Length; c++)
        {
            double seen = last[c];
            input[c] = double.IsNaN(seen) ? 0f : (float)RunningStatistics.Standardise(statistic, seen, floor);
        }
    }
}
