namespace StreamRnn.Kafka.Processing;

/// <summary>How outputs and input offsets are tied together.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// Offsets are committed only after every output they caused (predictions, alerts, dead letters, changelog
    /// records) is acknowledged by the broker. A crash can repeat outputs (each names its source offset) but never
    /// loses an input.
    /// </summary>
    AtLeastOnce = 0,

    /// <summary>
    /// Outputs, changelog records and input offsets go in one Kafka transaction. Consumers of the outputs must read
    /// with <c>isolation.level=read_committed</c>. The embedded (mock) broker accepts the calls but does not honour
    /// them, so this mode can only be shown against real Kafka.
    /// </summary>
    ExactlyOnce = 1,
}
