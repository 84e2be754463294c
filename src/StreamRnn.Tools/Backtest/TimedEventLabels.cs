using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The backtest's own event labels with Target:Within = W, recomputed from the data by a direct scan (no engine code).
/// y[t] is the label that step t completes, of step j = t − h, with τ_i the running maximum of the key's event times up
/// to step i: OutWithin: y[t] = ∃ i ∈ [j, t]: out(i) ∧ τ_i − τ_j ≤ W; Exit: y[t] = in(j) ∧ ∃ i ∈ (j, t]: out(i) ∧
/// τ_i − τ_j ≤ W; NaN for t &lt; h.
/// </summary>
internal static class TimedEventLabels
{
    public static void Fill(double[] y, double[] raw, long[] times, int h, TargetTransform transform, double outValue, double withinMs)
    {
        int n = raw.Length;
        // τ_i: the latest event time of steps 0..i (a late step counts at the key's latest time so far).
        long[] tau = new long[n];
        for (int i = 0; i < n; i++)
        {
            tau[i] = i == 0 ? times[0] : Math.Max(tau[i - 1], times[i]);
        }

        for (int t = 0; t < n; t++)
        {
            int j = t - h;
            if (j < 0)
            {
                y[t] = double.NaN;
                continue;
            }

            bool label = false;
            for (int i = transform == TargetTransform.Exit ? j + 1 : j; i <= t && !label; i++)
            {
                label = raw[i] == outValue && tau[i] - tau[j] <= withinMs;
            }

            y[t] = transform == TargetTransform.Exit && raw[j] == outValue ? 0 : label ? 1 : 0;
        }
    }
}
