using StreamRnn.Core.Numerics;

namespace StreamRnn.Engine.Features;

/// <summary>
/// The Activity input of one record: a_t = a_{t−1}·exp(−max(0, t − t_{t−1}) / τ) + |x_t − x_{t−1}| (the field's
/// recent total change, decayed in event time with time constant τ seconds), u = ln(1 + a_t); a key's first record
/// reads 0. O(1), no allocation; <c>memory</c> = [x_{t−1}, t_{t−1}, a_{t−1}] in the key's previous-value slab (NaN =
/// nothing seen yet), written only when the result is true.
/// </summary>
internal static class Activity
{
    public const int MemoryWidth = 3;

    public static bool Encode(double x, double time, double timeConstant, Span<double> memory, out double u)
    {
        u = 0;
        if (!double.IsFinite(x) || !double.IsFinite(time))
        {
            return false;
        }

        double previous = memory[0], then = memory[1], activity = memory[2];
        if (double.IsNaN(previous))
        {
            activity = 0;
        }
        else
        {
            activity = activity * PortableMath.Exp(-Math.Max(0, time - then) / timeConstant) + Math.Abs(x - previous);
            if (!double.IsFinite(activity))
            {
                return false;
            }
        }

        u = PortableMath.Log(1 + activity);
        memory[0] = x;
        memory[1] = time;
        memory[2] = activity;
        return true;
    }
}
