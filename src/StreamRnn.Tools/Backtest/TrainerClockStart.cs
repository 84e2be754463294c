namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// Where a backtest's trainer clock (the <see cref="System.Reactive.Concurrency.HistoricalScheduler"/> behind the
/// TrainEveryInterval trigger) starts: just before the data instead of at 1970-01-01, so the first advance does not
/// walk every empty interval between the epoch and the data's dates (≈ 1.5 million 30-second windows for 2014 data,
/// 18–30 s of start-up before the first row).
/// </summary>
/// <remarks>
/// <para>The result is the same as a start at the epoch, bit for bit. From the epoch, the trigger's timer fires at
/// whole multiples of the interval I (a count trigger restarts it from the clock's time, which is the epoch during the
/// first batch and a batch's newest event time afterwards); the first batch's windows arrive while the clock is still
/// at the epoch, and the clock's first advance, to that batch's newest time n₁, closes them at I and then fires empty
/// windows up to ⌊n₁ / I⌋ · I, leaving the next tick at (⌊n₁ / I⌋ + 1) · I. Starting at S = (⌊n₁ / I⌋ − 1) · I instead,
/// the first batch's windows (and any count trigger among them) still close at the first tick, S + I ≤ n₁, and the next
/// tick is again at S + 2I = (⌊n₁ / I⌋ + 1) · I; only the empty windows in between — which trigger nothing — are
/// skipped. Data within 2I of the epoch starts at the epoch, as before.</para>
/// </remarks>
internal static class TrainerClockStart
{
    /// <summary>The start for rows replayed in batches of <paramref name="batchRows"/> with trigger interval <paramref name="interval"/>.</summary>
    public static DateTimeOffset For(BacktestRow[] rows, int batchRows, TimeSpan interval)
    {
        for (int start = 0; start < rows.Length; start += batchRows)
        {
            long newest = rows[Math.Min(rows.Length, start + batchRows) - 1].EventTimeUnixMs;
            if (newest == long.MinValue)
            {
                // A batch of unreadable times only (they sort first): all dead-lettered, the clock does not move.
                continue;
            }

            return At(newest, interval);
        }

        return DateTimeOffset.UnixEpoch;
    }

    /// <summary>(⌊n / I⌋ − 1) · I after the epoch for a first batch whose newest event time is n, or the epoch.</summary>
    internal static DateTimeOffset At(long newestUnixMs, TimeSpan interval)
    {
        long sinceEpoch = (DateTimeOffset.FromUnixTimeMilliseconds(newestUnixMs) - DateTimeOffset.UnixEpoch).Ticks;
        long whole = sinceEpoch / interval.Ticks - 1;
        return whole <= 0 ? DateTimeOffset.UnixEpoch : DateTimeOffset.UnixEpoch.AddTicks(whole * interval.Ticks);
    }
}
