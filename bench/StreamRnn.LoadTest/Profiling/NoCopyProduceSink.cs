using Confluent.Kafka;
using StreamRnn.Engine.Records;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.LoadTest.Profiling;

/// <summary>
/// A what-if sink for the loop-thread budget: produces every prediction as KafkaRecordSink does, except that the
/// key and value are not copied into fresh arrays; the first prediction's arrays are sent again each time (same
/// sizes, wrong content). The difference to <see cref="KafkaRecordSink"/> is what the per-output copies cost;
/// the rest is Confluent.Kafka's and librdkafka's per-message work.
/// </summary>
public sealed class NoCopyProduceSink(IProducer<byte[], byte[]> producer, string outputTopic, OutputTracker tracker) : IRecordSink
{
    private readonly TopicPartition _destination = new(outputTopic, Partition.Any);
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivered = tracker.OnDelivered;
    private byte[]? _key;
    private byte[]? _value;

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        _key ??= key.ToArray();
        _value ??= json.ToArray();
        producer.Produce(_destination, new Message<byte[], byte[]> { Key = _key, Value = _value }, _onDelivered);
        tracker.Sent();
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) =>
        throw new InvalidOperationException($"Unexpected dead letter in the budget run: {reason} {detail}");

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
    }
}
