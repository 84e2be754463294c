namespace StreamRnn.Engine.Features;

/// <summary>
/// The CategoryAge inputs of one record: u_c = 1 / (1 + max(0, t − last_c)) for every category c, 0 for a category
/// the key never had, after setting last_{category of this record} = t (so that category reads 1). O(1) per category,
/// no allocation; <c>last</c> is the key's memory (NaN = never seen) and is written only when the result is true.
/// </summary>
internal static class CategoryAge
{
    public static bool Encode(double time, int category, Span<double> last, Span<float> input)
    {
        if (!double.IsFinite(time))
        {
            return false;
        }

        last[category] = time;
        for (int c = 0; c < last.Length; c++)
        {
            double seen = last[c];
            input[c] = double.IsNaN(seen) ? 0f : (float)(1.0 / (1.0 + Math.Max(0, time - seen)));
        }

        return true;
    }
}
