namespace StreamRnn.Engine.Configuration;

/// <summary>Where the event time of a record comes from.</summary>
public sealed class EventTimeOptions
{
    public EventTimeSource Source { get; set; } = EventTimeSource.RecordTimestamp;

    /// <summary>The JSON field holding the event time when <see cref="Source"/> is Field.</summary>
    public string? Field { get; set; }

    public EventTimeFormat Format { get; set; } = EventTimeFormat.UnixMilliseconds;
}
