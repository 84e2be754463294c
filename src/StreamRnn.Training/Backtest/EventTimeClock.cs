namespace StreamRnn.Daemon.Backtest;

/// <summary>
/// The runtime's clock during a backtest: the latest event time replayed so far, moved forward batch by batch. So a
/// prediction's latency_ms is its distance behind the batch's newest record, deterministic from run to run, and
/// nothing in the replay depends on how fast the machine is.
/// </summary>
internal sealed class EventTimeClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>Moves the clock to <paramref name="unixMs"/> if that is later; it never goes back.</summary>
    public void AdvanceTo(long unixMs)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
        if (time > _now)
        {
            _now = time;
        }
    }
}
