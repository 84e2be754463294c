namespace StreamRnn.Engine.Configuration;

/// <summary>Limits on what an input record may claim (the poison policy's numeric part).</summary>
public sealed class InputOptions
{
    /// <summary>
    /// Records whose event time is further ahead of the wall clock than this are dead-lettered as FutureTimestamp
    /// and do not advance their key's clock (one record stamped in year 9999 would otherwise make every later
    /// record of the key late).
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Longest accepted <see cref="MaxFutureSkew"/> (about 100 years: effectively off).</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromDays(36_525);
}
