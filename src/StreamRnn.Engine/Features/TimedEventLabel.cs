namespace StreamRnn.Engine.Features;

/// <summary>
/// The Exit and OutWithin labels with Target:Within = W: the out step must also fall within W of step j in event time.
/// With h = Target:Horizon, out(i) ⇔ x_i = Target:OutValue and τ_i the step's label time (below),
/// <c>OutWithin: y_j = 1 iff ∃ i ∈ [j, j+h]: out(i) ∧ τ_i − τ_j ≤ W</c>;
/// <c>Exit: y_j = 1 iff in(j) ∧ ∃ i ∈ (j, j+h]: out(i) ∧ τ_i − τ_j ≤ W</c>.
/// y_j is resolved at step j + h, as without Within.
/// </summary>
/// <remarks>
/// <para>The label time τ_i is the running maximum of the key's event times (EventTime: the record timestamp or the
/// EventTime:Field, in Unix milliseconds) up to step i: a late record applied under LateRecords = Apply counts at the
/// key's latest time so far (its gap to the steps around it is 0), so τ never decreases. Event times are whole
/// milliseconds and always finite (an unreadable or out-of-range time is dead-lettered as BadTimestamp before this).</para>
/// <para>Because τ never decreases, the earliest out step i* in [j, j+h] decides: some out step is within W iff i* is.
/// Memory (the key's previous-value slab, NaN until first written), with R = h + 1:
/// m[0] = t (steps seen, the first step is 1), m[1] = the FIFO's head position, m[2] = its length, m[3] = τ_{t−1},
/// m[4 + (i mod R)] = τ_i for the last R steps, m[4 + R + p] = the FIFO: the out steps in [t−h, t], oldest first.
/// Each out step is pushed once and popped once: O(1) amortised per step whatever h is.</para>
/// </remarks>
internal static class TimedEventLabel
{
    /// <summary>Doubles before the two rings: t, FIFO head, FIFO length, latest label time.</summary>
    public const int Header = 4;

    /// <summary>Doubles of the memory for horizon h.</summary>
    public static int Width(int horizon) => Header + 2 * (horizon + 1);

    /// <summary>
    /// Takes in step t (state: <paramref name="outNow"/>, event time <paramref name="timeMs"/>) and returns the label of
    /// step t − h (NaN while t ≤ h). <paramref name="exit"/> selects Exit, else OutWithin.
    /// </summary>
    public static double Resolve(Span<double> memory, int horizon, double withinMs, bool exit, bool outNow, long timeMs)
    {
        int ring = horizon + 1;
        var times = memory.Slice(Header, ring);
        var fifo = memory.Slice(Header + ring, ring);
        double t = double.IsNaN(memory[0]) ? 1 : memory[0] + 1;
        int head = double.IsNaN(memory[1]) ? 0 : (int)memory[1];
        int count = double.IsNaN(memory[2]) ? 0 : (int)memory[2];
        double tau = double.IsNaN(memory[3]) ? timeMs : Math.Max(memory[3], timeMs);
        times[(int)(t % ring)] = tau;
        double j = t - horizon;

        // Out steps before j are needed by no label from now on.
        while (count > 0 && fifo[head] < j)
        {
            head = (head + 1) % ring;
            count--;
        }

        if (outNow)
        {
            fifo[(head + count) % ring] = t;
            count++;
        }

        double y = double.NaN;
        if (j >= 1)
        {
            bool label = false;
            if (count > 0)
            {
                double first = fifo[head];
                double since = times[(int)(first % ring)] - times[(int)(j % ring)];
                // Exit needs in(j): the earliest out step in [j, t] must be after j (out(j) ⇔ it is j itself).
                label = (!exit || first > j) && since <= withinMs;
            }

            y = label ? 1 : 0;
        }

        memory[0] = t;
        memory[1] = head;
        memory[2] = count;
        memory[3] = tau;
        return y;
    }
}
