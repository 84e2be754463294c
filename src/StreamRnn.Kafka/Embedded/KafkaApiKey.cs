namespace StreamRnn.Kafka.Embedded;

/// <summary>
/// Kafka protocol request types (the <c>ApiKey</c> of a request header) that tests inject errors into with
/// <see cref="EmbeddedKafkaCluster.PushRequestErrors"/>.
/// </summary>
/// <remarks>Values are the protocol's, as in Apache Kafka's <c>ApiKeys</c> and librdkafka's <c>RD_KAFKAP_*</c>.</remarks>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    ApiVersions = 18,
    InitProducerId = 22,
    AddPartitionsToTxn = 24,
    AddOffsetsToTxn = 25,
    EndTxn = 26,
    TxnOffsetCommit = 28,
    ConsumerGroupHeartbeat = 68,
}
