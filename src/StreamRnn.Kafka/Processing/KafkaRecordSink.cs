using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Writes one pipeline's outputs to Kafka: predictions and alerts keyed like their source, dead letters with the
/// original bytes and the reason in headers, changelog records to the key's own partition (null value = tombstone).
/// </summary>
/// <remarks>
/// Confluent.Kafka takes <c>byte[]</c>, so each output is copied once here; the copy is the only per-output
/// allocation of the loop. When librdkafka's queue is full the call polls the producer until there is room rather
/// than dropping anything.
/// <para>Dead letters always fit: one whose key and value would exceed the producer's <c>message.max.bytes</c> (a
/// ~1 MB bad record, or a 1 MiB key) is truncated, with headers saying so and keeping the original sizes, and one the
/// producer refuses anyway is logged and counted, never thrown: a dead letter must never stop the loop. A dead letter
/// is byte-exact otherwise: a null key or value stays null, an empty one stays empty. Any other output the producer
/// refuses synchronously counts as a failed delivery (the commit protocol then holds back as for an asynchronous one).</para>
/// </remarks>
public sealed class KafkaRecordSink : IRecordSink
{
    public const string ReasonHeader = "streamrnn.reason";
    public const string DetailHeader = "streamrnn.detail";
    public const string PipelineHeader = "streamrnn.pipeline";
    public const string SourceTopicHeader = "streamrnn.source.topic";
    public const string SourcePartitionHeader = "streamrnn.source.partition";
    public const string SourceOffsetHeader = "streamrnn.source.offset";
    public const string TruncatedHeader = "streamrnn.truncated";
    public const string OriginalSizeHeader = "streamrnn.original-size";
    public const string OriginalKeySizeHeader = "streamrnn.original-key-size";

    /// <summary>librdkafka's default <c>message.max.bytes</c>.</summary>
    public const int DefaultMaxMessageBytes = 1_000_000;

    /// <summary>Room kept under message.max.bytes for headers, timestamps and the record batch framing.</summary>
    private const int Framing = 1024;

    /// <summary>The detail header is cut to this many characters (it can quote a field's text).</summary>
    private const int MaxDetailChars = 1000;

    private readonly IProducer<byte[], byte[]> _producer;
    private readonly PipelineDefinition _pipeline;
    private readonly OutputTracker _tracker;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onDelivered;
    private readonly Action<DeliveryReport<byte[], byte[]>> _onChangelogDelivered;
    private readonly byte[] _pipelineNameBytes;
    private readonly byte[] _inputTopicBytes;
    private readonly TopicPartition _outputTopic;
    private readonly TopicPartition? _alertTopic;
    private readonly TopicPartition _deadLetterTopic;
    private readonly int _maxMessageBytes;
    private readonly ILogger _logger;
    private readonly Prometheus.Counter.Child? _truncatedMetric;
    private readonly Prometheus.Counter.Child? _failedMetric;

    public KafkaRecordSink(IProducer<byte[], byte[]> producer, PipelineDefinition pipeline, OutputTracker tracker,
        StreamRnnMetrics? metrics = null, ILogger? logger = null, int maxMessageBytes = DefaultMaxMessageBytes)
    {
        _producer = producer;
        _pipeline = pipeline;
        _tracker = tracker;
        _maxMessageBytes = maxMessageBytes;
        _logger = logger ?? NullLogger.Instance;
        _truncatedMetric = metrics?.DeadLettersTruncated.WithLabels(pipeline.Name);
        _failedMetric = metrics?.DeadLettersFailed.WithLabels(pipeline.Name);
        _onDelivered = tracker.OnDelivered;
        _onChangelogDelivered = tracker.OnChangelogDelivered;
        _pipelineNameBytes = Encoding.UTF8.GetBytes(pipeline.Name);
        _inputTopicBytes = Encoding.UTF8.GetBytes(pipeline.InputTopic);
        // Partition.Any lets the producer's partitioner place the record by its key.
        _outputTopic = new TopicPartition(pipeline.OutputTopic, Partition.Any);
        _alertTopic = string.IsNullOrEmpty(pipeline.AlertTopic) ? null : new TopicPartition(pipeline.AlertTopic, Partition.Any);
        _deadLetterTopic = new TopicPartition(pipeline.DeadLetterTopic, Partition.Any);
    }

    /// <summary>Outputs produced through this sink since start, by kind (read by tests and metrics).</summary>
    public long Predictions { get; private set; }
    public long Alerts { get; private set; }
    public long DeadLetters { get; private set; }
    public long ChangelogRecords { get; private set; }
    public long DeadLettersTruncated { get; private set; }
    public long DeadLettersFailed { get; private set; }

    /// <summary>The producer's message.max.bytes from the pass-through client settings, or librdkafka's default.</summary>
    public static int MaxMessageBytes(IReadOnlyDictionary<string, string> clientConfig) =>
        clientConfig.TryGetValue("message.max.bytes", out string? text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int bytes) && bytes > 0
            ? bytes
            : DefaultMaxMessageBytes;

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        SendOutput(_outputTopic, new Message<byte[], byte[]> { Key = key.ToArray(), Value = json.ToArray() }, _onDelivered);
        Predictions++;
    }

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
        if (_alertTopic is null)
        {
            return;
        }

        SendOutput(_alertTopic!, new Message<byte[], byte[]> { Key = key.ToArray(), Value = json.ToArray() }, _onDelivered);
        Alerts++;
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
    {
        string reasonText = reason.ToString();
        var headers = new Headers
        {
            { ReasonHeader, Encoding.UTF8.GetBytes(reasonText) },
            { DetailHeader, Encoding.UTF8.GetBytes(detail.Length > MaxDetailChars ? detail[..MaxDetailChars] + "…" : detail) },
            { PipelineHeader, _pipelineNameBytes },
            { SourceTopicHeader, _inputTopicBytes },
            { SourcePartitionHeader, Encoding.UTF8.GetBytes(source.Partition.ToString(CultureInfo.InvariantCulture)) },
            { SourceOffsetHeader, Encoding.UTF8.GetBytes(source.Offset.ToString(CultureInfo.InvariantCulture)) },
        };
        ReadOnlyMemory<byte> key = source.Key, value = source.Value;
        int room = _maxMessageBytes - Framing - HeaderBytes(headers);
        if ((long)key.Length + value.Length > room)
        {
            int keyKept = Math.Min(key.Length, value.IsEmpty ? room : room / 2);
            int valueKept = Math.Min(value.Length, room - keyKept);
            headers.Add(TruncatedHeader, "true"u8.ToArray());
            headers.Add(OriginalSizeHeader, Encoding.UTF8.GetBytes(value.Length.ToString(CultureInfo.InvariantCulture)));
            headers.Add(OriginalKeySizeHeader, Encoding.UTF8.GetBytes(key.Length.ToString(CultureInfo.InvariantCulture)));
            SinkLog.DeadLetterTruncated(_logger, _pipeline.Name, source.Partition, source.Offset, reasonText, key.Length, value.Length, _maxMessageBytes);
            key = key[..keyKept];
            value = value[..valueKept];
            DeadLettersTruncated++;
            _truncatedMetric?.Inc();
        }

        var message = new Message<byte[], byte[]>
        {
            Key = Exact(source.Key, key)!,
            Value = Exact(source.Value, value)!,
            Headers = headers,
            Timestamp = new Timestamp(source.TimestampUnixMs, TimestampType.CreateTime),
        };
        try
        {
            Send(_deadLetterTopic, message, _onDelivered);
            DeadLetters++;
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            DeadLettersFailed++;
            _failedMetric?.Inc();
            SinkLog.DeadLetterFailed(_logger, _pipeline.Name, source.Partition, source.Offset, reasonText, e.Error.Reason, e.Error.Code.ToString());
        }
    }

    /// <summary>
    /// A copy of <paramref name="kept"/> (a prefix of <paramref name="original"/>), or null when the original was
    /// null: a null key or value arrives as default memory, an empty one as memory over an empty array.
    /// </summary>
    private static byte[]? Exact(ReadOnlyMemory<byte> original, ReadOnlyMemory<byte> kept) =>
        original.IsEmpty && original.Equals(default) ? null : kept.ToArray();

    private static int HeaderBytes(Headers headers)
    {
        int bytes = 0;
        foreach (var header in headers)
        {
            bytes += 16 + Encoding.UTF8.GetByteCount(header.Key) + header.GetValueBytes().Length;
        }

        return bytes;
    }

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var message = new Message<byte[], byte[]> { Key = key.ToArray(), Value = value.IsEmpty ? null! : value.ToArray() };
        SendOutput(new TopicPartition(_pipeline.ChangelogTopic, new Partition(partition)), message, _onChangelogDelivered);
        ChangelogRecords++;
    }

    /// <summary>Produces, waiting while librdkafka's queue is full; other refusals throw <see cref="ProduceException{TKey, TValue}"/>.</summary>
    private void Send(TopicPartition partition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> handler)
    {
        while (true)
        {
            try
            {
                _producer.Produce(partition, message, handler);
                _tracker.Sent();
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                _producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    /// <summary>Produces an output that is not a dead letter; a synchronous refusal counts as a failed delivery.</summary>
    private void SendOutput(TopicPartition partition, Message<byte[], byte[]> message, Action<DeliveryReport<byte[], byte[]>> handler)
    {
        try
        {
            Send(partition, message, handler);
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            SinkLog.OutputRefused(_logger, partition.Topic, e.Error.Reason, e.Error.Code.ToString());
            _tracker.Sent();
            handler(new DeliveryReport<byte[], byte[]>
            {
                Error = e.Error,
                Message = message,
                TopicPartitionOffset = new TopicPartitionOffset(partition, Offset.Unset),
                Status = PersistenceStatus.NotPersisted,
            });
        }
    }
}
