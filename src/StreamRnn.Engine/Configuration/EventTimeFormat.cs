namespace StreamRnn.Engine.Configuration;

/// <summary>How an event-time field is written.</summary>
public enum EventTimeFormat
{
    /// <summary>Milliseconds since 1970-01-01T00:00Z, as a JSON number or numeric string.</summary>
    UnixMilliseconds = 0,
    /// <summary>Seconds since 1970-01-01T00:00Z (fractions allowed), as a JSON number or numeric string.</summary>
    UnixSeconds = 1,
    /// <summary>An ISO-8601 string; without an offset it is taken as UTC. A plain date ("2017-11-10") is midnight UTC.</summary>
    Iso8601 = 2,
}
