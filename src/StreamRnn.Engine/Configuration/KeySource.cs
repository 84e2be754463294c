namespace StreamRnn.Engine.Configuration;

/// <summary>Where a record's series key comes from.</summary>
public enum KeySource
{
    /// <summary>The Kafka record key (UTF-8).</summary>
    RecordKey = 0,
    /// <summary>A top-level field of the JSON value (string or number).</summary>
    Field = 1,
}
