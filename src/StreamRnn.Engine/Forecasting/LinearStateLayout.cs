using StreamRnn.Core.Numerics;

namespace StreamRnn.Engine.Forecasting;

/// <summary>
/// Where each part of a key's <see cref="LinearCombiner"/> state lives in its span of doubles, and the small reads of
/// the value history every part shares. Layout 3:
/// [count of values, c², errors seen, layout version], the last max(p, S) values (a ring), h pending forecasts of
/// (x, μ, σ, forecast z, b), the RLS state (w, P) — up to here layout 1 (<see cref="LegacyStateLength"/> doubles, its
/// version slot 0) — then the guard: [q₈₀, q₉₅, forecasts resolved, V (the evidence's squared discount weights)], the
/// K candidates' discounted absolute errors, the evidence means and second moments (K + 1 each: the candidates and the
/// aggregate), the AR candidates (with p &gt; 0: their common scale, then the RLS state of p + 1 regressors with the
/// pipeline's forgetting and the one with forgetting 1), and h pending guard entries of (K candidate forecasts, the
/// aggregate, served z, served spread in σ units, q₈₀, q₉₅ used, the AR candidates' p scaled lags).
/// Layout 2 (before the evidence and the second AR candidate) had K = 4, no evidence, one AR RLS state and no
/// aggregate in the pending entries (<see cref="Layout2StateLength"/>).
/// </summary>
internal sealed class LinearStateLayout
{
    /// <summary>Doubles before the value ring: [count, c², errors seen, layout version].</summary>
    public const int HeaderLength = 4;

    /// <summary>Index of the layout version in the state (0 in layout 1, which had no guard).</summary>
    public const int LayoutVersionIndex = 3;

    /// <summary>The state layout this build writes.</summary>
    public const int LayoutVersion = 3;

    /// <summary>The previous layout (guard without evidence, one AR candidate): restored into the prefix.</summary>
    public const int Layout2 = 2;

    /// <summary>Index in the guard of the first discounted loss (K of them).</summary>
    public const int LossIndex = 4;

    /// <summary>Index in the guard of the first evidence mean (K + 1), followed by the second moments (K + 1).</summary>
    public const int EvidenceIndex = LossIndex + ForecastGuard.Candidates;

    /// <summary>Doubles of the guard's header: [q₈₀, q₉₅, resolved, V], the losses, the evidence means and second moments.</summary>
    public const int GuardHeader = EvidenceIndex + 2 * ForecastGuard.EvidenceSlots;

    /// <summary>Index in a pending guard entry of the aggregate's z (the served z when the evidence allows it).</summary>
    public const int AggregateIndex = ForecastGuard.Candidates;

    /// <summary>Index in a pending guard entry of the served z (then spread, q₈₀, q₉₅ used).</summary>
    public const int ServedIndex = ForecastGuard.Candidates + 1;

    /// <summary>Index in a pending guard entry where the AR candidates' scaled lags start.</summary>
    public const int GuardLags = ForecastGuard.Candidates + 5;

    public LinearStateLayout(int order, int season, int horizon, bool network)
    {
        Order = order;
        Season = season;
        Horizon = horizon;
        Regressors = order + (season > 0 ? 1 : 0) + (network ? 1 : 0) + 1;
        Ring = Math.Max(1, Math.Max(order, season));
        PendingWidth = Regressors + 4;
        PendingOffset = HeaderLength + Ring;
        RlsOffset = PendingOffset + horizon * PendingWidth;
        GuardOffset = RlsOffset + RecursiveLeastSquares.StateLength(Regressors);
        HasAutoregressive = order > 0;
        ArOffset = GuardOffset + GuardHeader;
        ArLength = RecursiveLeastSquares.StateLength(order + 1);
        GuardPendingOffset = ArOffset + (HasAutoregressive ? 1 + 2 * ArLength : 0);
        GuardPendingWidth = GuardLags + order;
        StateLength = GuardPendingOffset + horizon * GuardPendingWidth;
        Layout2StateLength = GuardOffset + 8 + (HasAutoregressive ? 1 + ArLength : 0) + horizon * (8 + order);
    }

    public int Order { get; }

    public int Season { get; }

    public int Horizon { get; }

    /// <summary>n: p lags, the seasonal lag (Season &gt; 0), the network (Network), the constant.</summary>
    public int Regressors { get; }

    /// <summary>Values kept: max(1, p, S).</summary>
    public int Ring { get; }

    public int PendingWidth { get; }

    public int PendingOffset { get; }

    public int RlsOffset { get; }

    public int GuardOffset { get; }

    /// <summary>Whether the guard has the network-free AR(p) candidate (p &gt; 0).</summary>
    public bool HasAutoregressive { get; }

    public int ArOffset { get; }

    /// <summary>Doubles of one AR candidate's RLS state (p + 1 regressors).</summary>
    public int ArLength { get; }

    public int GuardPendingOffset { get; }

    public int GuardPendingWidth { get; }

    /// <summary>Doubles of state per key.</summary>
    public int StateLength { get; }

    /// <summary>Doubles of a layout-2 state of the same settings (restored into the prefix, like layout 1).</summary>
    public int Layout2StateLength { get; }

    /// <summary>Doubles of a layout-1 state (before the guard).</summary>
    public int LegacyStateLength => GuardOffset;

    /// <summary>Values seen so far.</summary>
    public static long Count(ReadOnlySpan<double> state) => (long)state[0];

    /// <summary>The value <paramref name="back"/> steps before the latest of <paramref name="count"/> (back &lt; count, back &lt; Ring).</summary>
    public double Lag(ReadOnlySpan<double> state, long count, long back) => state[HeaderLength + (int)((count - back) % Ring)];

    /// <summary>Appends the value as number <paramref name="count"/>.</summary>
    public void Append(Span<double> state, long count, double value)
    {
        state[HeaderLength + (int)(count % Ring)] = value;
        state[0] = count;
    }

    /// <summary>The combination's pending forecast entry the slot of <paramref name="count"/> holds.</summary>
    public Span<double> Pending(Span<double> state, long count) =>
        state.Slice(PendingOffset + (int)(count % Horizon) * PendingWidth, PendingWidth);

    /// <summary>The guard's pending entry the slot of <paramref name="count"/> holds.</summary>
    public Span<double> Served(Span<double> state, long count) =>
        state.Slice(GuardPendingOffset + (int)(count % Horizon) * GuardPendingWidth, GuardPendingWidth);

    public Span<double> Rls(Span<double> state) => state[RlsOffset..];

    public Span<double> Guard(Span<double> state) => state[GuardOffset..];

    /// <summary>The AR candidates' block: [scale, RLS with the pipeline's forgetting, RLS with forgetting 1].</summary>
    public Span<double> Autoregressive(Span<double> state) => state.Slice(ArOffset, 1 + 2 * ArLength);
}
