using System.Buffers.Binary;
using System.Reactive.Concurrency;
using System.Text;
using Confluent.Kafka;
using Prometheus;
using StreamRnn.Core;
using StreamRnn.Core.Serialization;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Models;
using StreamRnn.Kafka.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Kafka.Tests.Models;

/// <summary>
/// Records written to a model topic on the mock broker by someone without the signing key, or carrying absurd
/// versions or weights, reach neither a Follow-mode nor a Merge-mode trainer: they are rejected and counted by
/// reason, and the served model stays what it was; the Merge buffer stays bounded under a flood.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ModelTopicTrustTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private const string SigningKey = "0123456789abcdef-trusted";
    private const string Leader = "leader";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly ModelShape Shape = new(CellKind.Gru, 2, 4, 1, HeadKind.Linear);

    private readonly StreamRnnMetrics _metrics = new(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
    private readonly ModelRecordSigner _signer = new(SigningKey);

    [Fact]
    public async Task Follow_adopts_only_signed_sane_versions_of_the_leader()
    {
        string topic = fixture.NewTopic("models-follow");
        fixture.Cluster.CreateTopic(topic, 1);
        using var registry = new ModelRegistry(ModelWeights.Initialize(Shape, 1));
        using var trainer = new OnlineTrainer("p", Options(TrainingMode.Follow), registry, ImmediateScheduler.Instance, _metrics, "follower");
        var screen = new ModelRecordScreen(Shape, _signer, _metrics, "p");
        using var listener = Listen(topic, "follower", screen, trainer.Receive);
        using var producer = Producer();

        var genuine = Weights(seed: 5, version: 5);
        Produce(producer, topic, Leader, Encode(genuine, 10), Sign);
        await Wait.UntilAsync(() => registry.Current.Version == 5, Timeout, "the leader's signed version 5 to be adopted");

        Produce(producer, topic, Leader, Encode(Weights(6, 10), 10), (k, v) => new ModelRecordSigner("another-key-0123456789").Sign(k, v)); // forged
        Produce(producer, topic, Leader, Encode(Weights(7, 11), 10), null);                         // unsigned
        Produce(producer, topic, Leader, Encode(Weights(8, long.MaxValue), 10), Sign);               // 2^63-1
        Produce(producer, topic, Leader, Encode(Weights(8, -3), 10), Sign);                          // negative
        Produce(producer, topic, Leader, Encode(Absurd(version: 1_000_000_000_000), 10), Sign);      // |w| = 1e30
        Produce(producer, topic, Leader, NonFinite(version: 13), Sign);                              // NaN, valid checksum
        Produce(producer, topic, Leader, [1, 2, 3, 4, 5], Sign);                                     // not a model record
        Produce(producer, topic, Leader, Encode(Weights(9, 4), 10), Sign);                           // older than 5
        Produce(producer, topic, Leader, Encode(Weights(9, 6), -1), Sign);                           // negative window count

        await Wait.UntilAsync(() => screen.Rejected("version") == 3 && screen.Rejected("malformed") == 2 && screen.Rejected("magnitude") == 1
            && screen.Rejected("non_finite") == 1 && screen.Rejected("bad_signature") == 1 && screen.Rejected("unsigned") == 1,
            Timeout, "every bad record to be rejected");
        Assert.Equal(5, registry.Current.Version);
        Assert.Equal(genuine.Parameters.ToArray(), registry.Current.Parameters.ToArray());
        foreach (var (reason, count) in new[] { ("unsigned", 1), ("bad_signature", 1), ("malformed", 2), ("version", 3), ("non_finite", 1), ("magnitude", 1), ("too_many_sources", 0) })
        {
            Assert.Equal(count, _metrics.ModelRecordsRejected.WithLabels("p", reason).Value);
        }

        // The leader's real next version is still adopted after all that (the forged ones did not raise the bar).
        var next = Weights(seed: 20, version: 6);
        Produce(producer, topic, Leader, Encode(next, 10), Sign);
        await Wait.UntilAsync(() => registry.Current.Version == 6, Timeout, "the leader's signed version 6 to be adopted");
        Assert.Equal(next.Parameters.ToArray(), registry.Current.Parameters.ToArray());
        Assert.Equal(2, listener.Received);
    }

    [Fact]
    public async Task Merge_buffers_only_signed_sane_versions_newest_per_instance_and_a_bounded_number_of_instances()
    {
        string topic = fixture.NewTopic("models-merge");
        // One partition: the counts below depend on the order the records are read in ("busy" before the 2,000
        // instances that fill the source bound); across two partitions that order was up to the consumer (flaky).
        fixture.Cluster.CreateTopic(topic, 1);
        var initial = ModelWeights.Initialize(Shape, 1);
        using var registry = new ModelRegistry(initial);
        using var trainer = new OnlineTrainer("m", Options(TrainingMode.Merge), registry, ImmediateScheduler.Instance, _metrics, "me");
        var screen = new ModelRecordScreen(Shape, _signer, _metrics, "m");
        long delivered = 0;
        using var listener = Listen(topic, "me", screen, c =>
        {
            trainer.Receive(c);
            Interlocked.Increment(ref delivered);
        });
        using var producer = Producer();

        Produce(producer, topic, "peer", Encode(Weights(6, 10), 10), (k, v) => new ModelRecordSigner("another-key-0123456789").Sign(k, v));
        Produce(producer, topic, "peer", Encode(Weights(7, 11), 10), null);
        Produce(producer, topic, "peer", Encode(Weights(8, long.MaxValue), 10), Sign);
        Produce(producer, topic, "peer", Encode(Absurd(version: 12), 10), Sign);
        Produce(producer, topic, "peer", NonFinite(version: 13), Sign);

        // A flood: 300 versions of one instance, then 2,000 instances with one version each.
        for (int v = 1; v <= 300; v++)
        {
            Produce(producer, topic, "busy", Encode(Weights(v, v), 5), Sign);
        }

        for (int i = 0; i < 2000; i++)
        {
            Produce(producer, topic, $"instance-{i:D4}", Encode(Weights(i, 2), 5), Sign);
        }

        producer.Flush(Timeout);
        int bad = 5;
        int accepted = 300 + (ModelRecordScreen.MaxSources - 1);
        await Wait.UntilAsync(() => Interlocked.Read(ref delivered) + TotalRejected(screen) == 2300 + bad, Timeout,
            $"all 2,305 records to be screened (delivered {Interlocked.Read(ref delivered)}, rejected {TotalRejected(screen)})");

        Assert.Equal(accepted, Interlocked.Read(ref delivered));
        Assert.Equal(2000 - (ModelRecordScreen.MaxSources - 1), screen.Rejected("too_many_sources"));
        Assert.Equal(1, screen.Rejected("bad_signature"));
        Assert.Equal(1, screen.Rejected("unsigned"));
        Assert.Equal(1, screen.Rejected("version"));
        Assert.Equal(1, screen.Rejected("magnitude"));
        Assert.Equal(1, screen.Rejected("non_finite"));
        Assert.Equal(screen.Rejected("too_many_sources"), _metrics.ModelRecordsRejected.WithLabels("m", "too_many_sources").Value);

        // Memory is bounded by instances, not records: one pending version per instance, at most 256 instances.
        Assert.Equal(ModelRecordScreen.MaxSources, trainer.ReceivedPending);
        Assert.True(trainer.ReceivedPending <= OnlineTrainer.MaxReceivedInstances);
        Assert.Same(initial, registry.Current);
    }

    [Fact]
    public async Task What_a_signing_publisher_writes_passes_the_screen_and_what_an_unsigned_one_writes_does_not()
    {
        string topic = fixture.NewTopic("models-publish");
        fixture.Cluster.CreateTopic(topic, 1);
        using var producer = Producer();
        var log = new TestOutputLogger(output, Microsoft.Extensions.Logging.LogLevel.Error);
        var signed = new ModelTopicPublisher(producer, "p", topic, "signed-instance", log, _signer);
        var unsigned = new ModelTopicPublisher(producer, "p", topic, "unsigned-instance", log);
        signed.OnPromoted(new ModelPromotion(Weights(1, 2), 1, ModelSource.Trained, 2, 16, double.NaN, double.NaN));
        unsigned.OnPromoted(new ModelPromotion(Weights(2, 2), 1, ModelSource.Trained, 2, 16, double.NaN, double.NaN));
        signed.OnPromoted(new ModelPromotion(Weights(3, 3), 2, ModelSource.Trained, 3, 8, double.NaN, double.NaN));
        producer.Flush(Timeout);

        var screen = new ModelRecordScreen(Shape, _signer, _metrics, "p");
        var received = new List<ModelContribution>();
        using (var listener = Listen(topic, "reader", screen, c => { lock (received) { received.Add(c); } }))
        {
            await Wait.UntilAsync(() => listener.Received + screen.Rejected("unsigned") == 3, Timeout, "the three published records");
        }

        Assert.Equal([("signed-instance", 2L, 16L), ("signed-instance", 3L, 24L)],
            received.Select(c => (c.InstanceId, c.Weights.Version, c.WindowsTrained)));
        Assert.Equal(1, screen.Rejected("unsigned"));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void Without_a_signing_key_unsigned_records_are_accepted_and_signatures_ignored()
    {
        var screen = new ModelRecordScreen(Shape, signer: null);
        byte[] key = Encoding.UTF8.GetBytes(Leader);
        byte[] value = Encode(Weights(1, 3), 4);
        Assert.NotNull(screen.Screen(key, value, null, out _, out _));
        Assert.Null(screen.Screen(key, Encode(Absurd(4), 4), null, out string? reason, out _));
        Assert.Equal("magnitude", reason);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void A_signature_covers_the_key_so_a_record_cannot_be_replayed_under_another_instance()
    {
        byte[] value = Encode(Weights(1, 3), 4);
        byte[] signature = _signer.Sign(Encoding.UTF8.GetBytes("a"), value);
        Assert.True(_signer.Verify(Encoding.UTF8.GetBytes("a"), value, signature));
        Assert.False(_signer.Verify(Encoding.UTF8.GetBytes(Leader), value, signature));
        Assert.False(_signer.Verify(Encoding.UTF8.GetBytes("a"), value, signature[..31]));
    }

    private static long TotalRejected(ModelRecordScreen screen) => ModelRecordScreen.Reasons.Sum(screen.Rejected);

    private byte[] Sign(byte[] key, byte[] value) => _signer.Sign(key, value);

    private static TrainingOptions Options(TrainingMode mode) => new()
    {
        Enabled = true,
        Mode = mode,
        Leader = mode == TrainingMode.Follow ? Leader : null,
        WindowSteps = 4,
        BatchWindows = 8,
        TrainEveryWindows = 200,
        WarmupWindows = 0,
        QueueCapacity = 256,
        HoldBackWindows = 16,
    };

    private static ModelWeights Weights(int seed, long version) => ModelWeights.FromParameters(
        Shape, ModelWeights.Initialize(Shape, seed).Parameters, version);

    private static ModelWeights Absurd(long version) =>
        ModelWeights.FromParameters(Shape, Enumerable.Repeat(1e30f, Shape.ParameterCount).ToArray(), version);

    private static byte[] Encode(ModelWeights weights, long windows) => ModelRecord.Encode(weights, windows);

    /// <summary>A record whose first weight is NaN, with a correct checksum (what a careful forger sends).</summary>
    private static byte[] NonFinite(long version)
    {
        byte[] value = Encode(Weights(3, version), 1);
        const int recordHeader = 16, fileHeader = 32;
        BinaryPrimitives.WriteSingleLittleEndian(value.AsSpan(recordHeader + fileHeader), float.NaN);
        int end = value.Length - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(value.AsSpan(end), Crc32.Compute(value.AsSpan(recordHeader, end - recordHeader)));
        return value;
    }

    private ModelTopicListener Listen(string topic, string instance, ModelRecordScreen screen, Action<ModelContribution> received)
    {
        var listener = new ModelTopicListener(new ConsumerConfig { BootstrapServers = fixture.BootstrapServers, GroupId = "trust" },
            topic, instance, screen, received, new TestOutputLogger(output, Microsoft.Extensions.Logging.LogLevel.Error));
        listener.Start(fixture.Cluster.GetPartitionCount(topic) ?? 1);
        return listener;
    }

    private IProducer<byte[], byte[]> Producer() =>
        new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers, LingerMs = 1 })
            .SetLogHandler((_, _) => { }).Build();

    private static void Produce(IProducer<byte[], byte[]> producer, string topic, string instance, byte[] value,
        Func<byte[], byte[], byte[]>? sign)
    {
        byte[] key = Encoding.UTF8.GetBytes(instance);
        var message = new Message<byte[], byte[]> { Key = key, Value = value, Headers = new Headers() };
        if (sign is not null)
        {
            message.Headers.Add(ModelRecordSigner.HeaderName, sign(key, value));
        }

        producer.Produce(topic, message);
    }
}
