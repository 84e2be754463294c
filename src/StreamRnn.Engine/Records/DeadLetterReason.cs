namespace StreamRnn.Engine.Records;

/// <summary>Why a record went to the dead-letter topic. The name is also the metric label and header value.</summary>
public enum DeadLetterReason
{
    /// <summary>The value is not valid JSON, or not a JSON object.</summary>
    MalformedJson = 1,
    /// <summary>A configured feature, target, key or event-time field is absent, null or an empty string.</summary>
    MissingField = 2,
    /// <summary>A field has a JSON type that cannot be read as the configured kind (e.g. an object for a number).</summary>
    WrongType = 3,
    /// <summary>A number is NaN, ±Infinity or overflows a float (also after a transform, e.g. log of a non-positive value).</summary>
    NonFiniteValue = 4,
    /// <summary>The value is larger than the pipeline's MaxRecordBytes.</summary>
    OversizedRecord = 5,
    /// <summary>The record has no key (empty record key or key field), or the key is too long.</summary>
    MissingKey = 6,
    /// <summary>The event time is missing, unparseable or out of range.</summary>
    BadTimestamp = 7,
    /// <summary>A one-hot field holds a value that is not among the configured categories.</summary>
    UnknownCategory = 8,
    /// <summary>The state store is full and the pipeline's policy is WhenFull = DeadLetter.</summary>
    StateFull = 9,
    /// <summary>The recurrent step produced non-finite values; the key's state (recurrent state, statistics, offset) was left unchanged.</summary>
    NumericalError = 10,
    /// <summary>Reading the record failed in a way the JSON grammar allows but .NET does not (e.g. a lone UTF-16 surrogate in an escape).</summary>
    DecodeError = 11,
    /// <summary>The event time is further in the future than the pipeline's Input:MaxFutureSkew.</summary>
    FutureTimestamp = 12,
    /// <summary>Processing the record threw unexpectedly; the detail names the exception type and the key was quarantined if its state could be inconsistent.</summary>
    InternalError = 13,
}
