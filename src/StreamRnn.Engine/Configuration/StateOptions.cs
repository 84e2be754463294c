namespace StreamRnn.Engine.Configuration;

/// <summary>Bounds of the per-key state store.</summary>
public sealed class StateOptions
{
    /// <summary>Keys not seen for longer than this (wall time) are removed with a tombstone.</summary>
    public TimeSpan IdleTtl { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The most keys held at once by one pipeline runtime.</summary>
    public int MaxKeys { get; set; } = 1_000_000;

    public WhenFullPolicy WhenFull { get; set; } = WhenFullPolicy.EvictLeastRecent;
}
