using StreamRnn.Core.Numerics;

namespace StreamRnn.Engine;

/// <summary>
/// Where each part of a key's <see cref="LinearCombiner"/> state lives in its span of doubles, and the small reads of
/// the value history every part shares. Layout 2:
/// [count of values, c², errors seen, layout version], the last max(p, S) values (a ring), h pending forecasts of
/// (x, μ, σ, forecast z, b), the RLS state (w, P) — up to here layout 1 (<see cref="LegacyStateLength"/> doubles, its
/// version slot 0) — then the guard: [q₈₀, q₉₅, forecasts resolved, reserved], the candidates' discounted absolute
/// errors, the AR candidate (with p &gt; 0: its scale and the RLS state of p + 1 regressors), and h pending guard
/// entries of (candidate forecasts, served z, served spread in σ units, q₈₀, q₉₅ used, the AR candidate's p scaled lags).
/// </summary>
internal sealed class LinearStateLayout
{
    /// <summary>Doubles before the value ring: [count, c², errors seen, layout version].</summary>
    public const int HeaderLength = 4;

    /// <summary>Index of the layout version in the state (0 in layout 1, which had no guard).</summary>
    public const int LayoutVersionIndex = 3;

    /// <summary>The state layout this build writes.</summary>
    public const int LayoutVersion = 2;

    /// <summary>Doubles of the guard's header: [q₈₀, q₉₅, resolved, reserved] and one discounted loss per candidate.</summary>
    public const int GuardHeader = 4 + ForecastGuard.Candidates;

    /// <summary>Index in a pending guard entry of the served z (then spread, q₈₀, q₉₅ used).</summary>
    public const int ServedIndex = ForecastGuard.Candidates;

    /// <summary>Index in a pending guard entry where the AR candidate's scaled lags start.</summary>
    public const int GuardLags = ForecastGuard.Candidates + 4;

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
        GuardPendingOffset = ArOffset + (HasAutoregressive ? 1 + RecursiveLeastSquares.StateLength(order + 1) : 0);
        GuardPendingWidth = GuardLags + order;
        StateLength = GuardPendingOffset + horizon * GuardPendingWidth;
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

    public int GuardPendingOffset { get; }

    public int GuardPendingWidth { get; }

    /// <summary>Doubles of state per key.</summary>
    public int StateLength { get; }

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

    public Span<double> Autoregressive(Span<double> state) => state[ArOffset..];
}
