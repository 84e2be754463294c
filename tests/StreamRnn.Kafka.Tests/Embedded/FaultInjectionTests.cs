using System.Diagnostics;
using Confluent.Kafka;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

/// <summary>Each test has its own cluster: faults must not leak into other tests.</summary>
[Trait("Category", "Integration")]
public sealed class FaultInjectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BrokerDown_DeliveryTimesOut_BrokerUp_DeliverySucceeds()
    {
        using var cluster = EmbeddedKafkaCluster.Start(logger: new TestOutputLogger(output));
        cluster.CreateTopic("faulty", 1);
        using var producer = Clients.Producer(cluster.BootstrapServers, c =>
        {
            c.MessageTimeoutMs = 1500;
            c.ReconnectBackoffMs = 50;
            c.ReconnectBackoffMaxMs = 200;
        });
        var before = await producer.ProduceAsync("faulty", new Message<string, string> { Key = "k", Value = "before" });
        Assert.Equal(0, before.Offset.Value);

        cluster.SetBrokerDown(1);
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("faulty", new Message<string, string> { Key = "k", Value = "while down" }));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);

        cluster.SetBrokerUp(1);
        DeliveryResult<string, string>? after = null;
        long started = Stopwatch.GetTimestamp();
        while (after is null)
        {
            try
            {
                after = await producer.ProduceAsync("faulty", new Message<string, string> { Key = "k", Value = "after" });
            }
            catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_MsgTimedOut && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(15))
            {
                // Still reconnecting; the deadline bounds the retries.
            }
        }

        output.WriteLine($"delivered {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms after the broker came back");
        Assert.Equal(PersistenceStatus.Persisted, after.Status);
        var read = Clients.ReadAll(cluster.BootstrapServers, "faulty", 1, TimeSpan.FromSeconds(10));
        Assert.Equal("before", read[0][0].Value);
        Assert.Equal("after", read[0][^1].Value);
        Assert.DoesNotContain(("k", "while down"), read[0]);
    }

    [Fact]
    public async Task PushedProduceError_FailsExactlyTheNextRequest()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("refusing", 1);
        using var producer = Clients.Producer(cluster.BootstrapServers);
        await producer.ProduceAsync("refusing", new Message<string, string> { Key = "k", Value = "0" });

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.MsgSizeTooLarge);
        var failure = await Assert.ThrowsAsync<ProduceException<string, string>>(
            () => producer.ProduceAsync("refusing", new Message<string, string> { Key = "k", Value = "1" }));
        Assert.Equal(ErrorCode.MsgSizeTooLarge, failure.Error.Code);

        var next = await producer.ProduceAsync("refusing", new Message<string, string> { Key = "k", Value = "2" });
        Assert.Equal(PersistenceStatus.Persisted, next.Status);
        Assert.Equal(1, next.Offset.Value);
    }

    [Fact]
    public async Task PushedRetriableErrors_AreRetriedByTheClient()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("flaky", 1);
        using var producer = Clients.Producer(cluster.BootstrapServers, c => c.RetryBackoffMs = 10);
        await producer.ProduceAsync("flaky", new Message<string, string> { Key = "k", Value = "0" });

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        var delivered = await producer.ProduceAsync("flaky", new Message<string, string> { Key = "k", Value = "1" });

        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(1, delivered.Offset.Value);
    }

    [Fact]
    public async Task BrokerRtt_DelaysResponsesUntilReset()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        cluster.CreateTopic("slow", 1);
        using var producer = Clients.Producer(cluster.BootstrapServers);
        await producer.ProduceAsync("slow", new Message<string, string> { Key = "k", Value = "warm-up" });

        cluster.SetBrokerRtt(1, TimeSpan.FromMilliseconds(400));
        var delayed = await TimeProduceAsync(producer);
        cluster.SetBrokerRtt(1, TimeSpan.Zero);
        var normal = await TimeProduceAsync(producer);

        output.WriteLine($"produce with 400 ms rtt: {delayed.TotalMilliseconds:0} ms; without: {normal.TotalMilliseconds:0} ms");
        Assert.True(delayed >= TimeSpan.FromMilliseconds(400), $"delayed produce took {delayed}");
        Assert.True(normal < TimeSpan.FromMilliseconds(400), $"normal produce took {normal}");
    }

    private static async Task<TimeSpan> TimeProduceAsync(IProducer<string, string> producer)
    {
        long started = Stopwatch.GetTimestamp();
        await producer.ProduceAsync("slow", new Message<string, string> { Key = "k", Value = "timed" });
        return Stopwatch.GetElapsedTime(started);
    }
}
