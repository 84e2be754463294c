namespace StreamRnn.Engine.Configuration;

/// <summary>Where a record's event time comes from.</summary>
public enum EventTimeSource
{
    /// <summary>The Kafka record timestamp.</summary>
    RecordTimestamp = 0,
    /// <summary>A top-level field of the JSON value, read with <see cref="EventTimeOptions.Format"/>.</summary>
    Field = 1,
}
