using System.Text;
using Confluent.Kafka;
using StreamRnn.Engine;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Writes one pipeline's outputs to Kafka: predictions and alerts keyed like their source, dead letters with the
/// original bytes and the reason in headers, changelog records to the key's own partition (null value = tombstone).
/// </summary>
/// <remarks>
/// Confluent.Kafka takes <c>byte[]</c>, so each output is copied once here; the copy is the only per-output
/// allocation of the loop. When librdkafka's queue is full the call polls the producer until there is room rather
/// than dropping anything.
/// </remarks>
public sealed class KafkaRecordSink : IRecordSink
{
    public const string ReasonHeader = "streamrnn.reason";
    public const string DetailHeader = "streamrnn.detail";
    public const string PipelineHeader = "streamrnn.pipeline";
    public const string SourceTopicHeader = "streamrnn.source.topic";
    public const string SourcePartitionHeader = "streamrnn.source.partition";
    public const string SourceOffsetHeader = "streamrnn.source.offset";

    private readonly IProducer<byte[], byte[]> producer;
    private readonly PipelineDefinition pipeline;
    private readonly OutputTracker tracker;
    private readonly Action<DeliveryReport<byte[], byte[]>> onDelivered;
    private readonly Action<DeliveryReport<byte[], byte[]>> onChangelogDelivered;
    private readonly byte[] pipelineNameBytes;
    private readonly byte[] inputTopicBytes;
    private readonly TopicPartition outputTopic;
    private readonly TopicPartition? alertTopic;
    private readonly TopicPartition deadLetterTopic;

    public KafkaRecordSink(IProducer<byte[], byte[]> producer, PipelineDefinition pipeline, OutputTracker tracker)
    {
        this.producer = producer;
        this.pipeline = pipeline;
        this.tracker = tracker;
        onDelivered = tracker.OnDelivered;
        onChangelogDelivered = tracker.OnChangelogDelivered;
        pipelineNameBytes = Encoding.UTF8.GetBytes(pipeline.Name);
        inputTopicBytes = Encoding.UTF8.GetBytes(pipeline.InputTopic);
        // Partition.Any lets the producer's partitioner place the record by its key.
        outputTopic = new TopicPartition(pipeline.OutputTopic, Partition.Any);
        alertTopic = string.IsNullOrEmpty(pipeline.AlertTopic) ? null : new TopicPartition(pipeline.AlertTopic, Partition.Any);
        deadLetterTopic = new TopicPartition(pipeline.DeadLetterTopic, Partition.Any);
    }

    /// <summary>Outputs produced through this sink since start, by kind (read by tests and metrics).</summary>
    public long Predictions { get; private set; }
    public long Alerts { get; private set; }
    public long DeadLetters { get; private set; }
    public long ChangelogRecords { get; private set; }

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        Send(outputTopic, new Message<byte[], byte[]> { Key = key.ToArray(), Value = json.ToArray() }, onDelivered);
        Predictions++;
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        if (alertTopic is null)
        {
            return;
        }

        Send(alertTopic!, new Message<byte[], byte[]> { Key = key.ToArray(), Value = json.ToArray() }, onDelivered);
        Alerts++;
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
    {
        var headers = new Headers
        {
            { ReasonHeader, Encoding.UTF8.GetBytes(reason.ToString()) },
            { DetailHeader, Encoding.UTF8.GetBytes(detail) },
            { PipelineHeader, pipelineNameBytes },
            { SourceTopicHeader, inputTopicBytes },
            { SourcePartitionHeader, Encoding.UTF8.GetBytes(source.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            { SourceOffsetHeader, Encoding.UTF8.GetBytes(source.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
        };
        var message = new Message<byte[], byte[]>
        {
            Key = source.Key.IsEmpty ? null! : source.Key.ToArray(),
            Value = source.Value.ToArray(),
            Headers = headers,
            Timestamp = new Timestamp(source.TimestampUnixMs, TimestampType.CreateTime),
        };
        Send(deadLetterTopic, message, onDelivered);
        DeadLetters++;
    }

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var message = new Message<byte[], byte[]> { Key = key.ToArray(), Value = value.IsEmpty ? null! : value.ToArray() };
        Send(new TopicPartition(pipeline.ChangelogTopic, new Partition(partition)), message, onChangelogDelivered);
        ChangelogRecords++;
    }

    private void Send(TopicPartition partition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> handler)
    {
        while (true)
        {
            try
            {
                producer.Produce(partition, message, handler);
                tracker.Sent();
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }
}
