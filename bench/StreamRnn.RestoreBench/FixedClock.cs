namespace StreamRnn.RestoreBench;

/// <summary>
/// A wall clock that never moves: the snapshot header and each key's last-seen time then come out the same in the
/// source and in a restored runtime, so whole snapshots can be compared byte for byte.
/// </summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
