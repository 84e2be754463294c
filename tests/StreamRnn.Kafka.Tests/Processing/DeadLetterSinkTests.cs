using Confluent.Kafka;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Kafka.Tests.Processing;

/// <summary>
/// Dead letters through <see cref="KafkaRecordSink"/> and a real producer to the embedded broker over TCP: a record
/// near 1 MB (or with a 1 MiB key) still gets its dead letter, truncated with headers keeping the original sizes;
/// null and empty values and keys come back exactly as they went in.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DeadLetterSinkTests : IDisposable
{
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly PipelineDefinition _definition = new()
    {
        Name = "p",
        InputTopic = "in",
        OutputTopic = "out",
        DeadLetterTopic = "dead",
        MaxRecordBytes = 16 * 1024 * 1024,
    };

    public DeadLetterSinkTests() => _cluster.CreateTopic("dead", 1);

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public void Oversized_dead_letters_are_truncated_and_null_and_empty_stay_distinct()
    {
        var tracker = new OutputTracker();
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = _cluster.BootstrapServers, LingerMs = 1 }).Build();
        var sink = new KafkaRecordSink(producer, _definition, tracker);
        byte[] bigValue = new byte[999_900];
        byte[] bigKey = new byte[1 << 20];
        Array.Fill(bigValue, (byte)'v');
        Array.Fill(bigKey, (byte)'k');
        sink.DeadLetter(new InputRecord(0, 1, 1_700_000_000_000, "k"u8.ToArray(), bigValue), DeadLetterReason.OversizedRecord, "too big");
        sink.DeadLetter(new InputRecord(0, 2, 1_700_000_000_000, bigKey, "{}"u8.ToArray()), DeadLetterReason.MissingKey, "key too long");
        sink.DeadLetter(new InputRecord(0, 3, 1_700_000_000_000, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty), DeadLetterReason.MalformedJson, "null");
        sink.DeadLetter(new InputRecord(0, 4, 1_700_000_000_000, Array.Empty<byte>(), Array.Empty<byte>()), DeadLetterReason.MalformedJson, "empty");
        producer.Flush(TimeSpan.FromSeconds(30));
        Assert.Null(tracker.FirstFailure);
        Assert.Equal(2, sink.DeadLettersTruncated);
        Assert.Equal(0, sink.DeadLettersFailed);

        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "check",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset("dead", 0, Offset.Beginning));
        var got = new List<Message<byte[], byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (got.Count < 4 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                got.Add(result.Message);
            }
        }

        Assert.Equal(4, got.Count);
        string Header(Message<byte[], byte[]> m, string name) =>
            System.Text.Encoding.UTF8.GetString(m.Headers.GetLastBytes(name));

        Assert.Equal("true", Header(got[0], KafkaRecordSink.TruncatedHeader));
        Assert.Equal("999900", Header(got[0], KafkaRecordSink.OriginalSizeHeader));
        Assert.Equal("1", Header(got[0], KafkaRecordSink.OriginalKeySizeHeader));
        Assert.Equal("k"u8.ToArray(), got[0].Key);
        Assert.True(got[0].Value.Length < 999_900 && got[0].Value.All(b => b == 'v'));

        Assert.Equal("1048576", Header(got[1], KafkaRecordSink.OriginalKeySizeHeader));
        Assert.Equal("2", Header(got[1], KafkaRecordSink.OriginalSizeHeader));
        Assert.Equal("{}"u8.ToArray(), got[1].Value);
        Assert.True(got[1].Key.Length < 1_000_000);

        Assert.Null(got[2].Key);
        Assert.Null(got[2].Value);
        Assert.False(got[2].Headers.TryGetLastBytes(KafkaRecordSink.TruncatedHeader, out _));
        Assert.Equal([], got[3].Key);
        Assert.Equal([], got[3].Value);
    }
}
