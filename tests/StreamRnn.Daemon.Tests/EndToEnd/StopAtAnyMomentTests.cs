using System.Net;
using Confluent.Kafka;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Configuration;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// SIGTERM at any moment ends the daemon with exit code 0: while it checks its topics at start-up (the broker does
/// not answer), and while it restores a long changelog (which it does from the poll loop, partitions paused, with
/// per-partition readiness and metrics, so the group sees a live member: a restore longer than max.poll.interval.ms
/// keeps the membership).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class StopAtAnyMomentTests : IDisposable
{
    private readonly StateHarness _harness = new("stop-at-any-moment");

    [Fact]
    public async Task Sigterm_during_the_start_up_topic_checks_exits_0()
    {
        _harness.Cluster.SetBrokerDown(1);
        await using var daemon = _harness.StartDaemon("start");
        await daemon.WaitForLineAsync(l => l.Contains("checking the pipelines' topics", StringComparison.Ordinal), StateHarness.Timeout,
            "the topic check log line");
        daemon.Terminate();

        Assert.Equal(0, await daemon.WaitForExitAsync(StateHarness.Timeout));
        Assert.DoesNotContain(daemon.Errors, l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Errors, l => l.Contains("   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_during_a_changelog_restore_exits_0_and_the_restore_is_visible_per_partition_meanwhile()
    {
        // 3,000 one-record batches on one changelog partition: the embedded broker answers a fetch with one batch per
        // partition, so with a 20 ms round trip the restore takes about a minute. Tombstones of unknown keys change nothing.
        const int partition = 2;
        using (var producer = new ProducerBuilder<string, byte[]?>(new ProducerConfig
        {
            BootstrapServers = _harness.Cluster.BootstrapServers,
            LingerMs = 0,
            BatchNumMessages = 1,
        }).Build())
        {
            for (int i = 0; i < 3_000; i++)
            {
                await producer.ProduceAsync(new TopicPartition(_harness.Definition.ChangelogTopic, partition),
                    new Message<string, byte[]?> { Key = $"gone-{i}", Value = null });
            }
        }

        // A poll interval shorter than the restore: a restore that blocked polling would make the consumer leave its group.
        _harness.Cluster.SetBrokerRtt(1, TimeSpan.FromMilliseconds(20));
        await using var daemon = _harness.StartDaemon("restore", "--Kafka:SessionTimeoutMs=3000", "--Kafka:ClientConfig:max.poll.interval.ms=3000");
        var address = await daemon.WaitForHttpAsync(StateHarness.Timeout);
        await daemon.WaitForLineAsync(l => l.Contains($"Restoring temps partition {partition} while polling continues", StringComparison.Ordinal),
            StateHarness.Timeout, "the restore start line");

        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            string body = "";
            var status = HttpStatusCode.OK;
            await daemon.WaitUntilAsync(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri(address, "/readyz"));
                    (status, body) = (response.StatusCode, await response.Content.ReadAsStringAsync());
                    return body.Contains($"state.temps[{partition}]", StringComparison.Ordinal);
                },
                StateHarness.Timeout, "/readyz to name the restoring partition", TimeSpan.FromMilliseconds(100));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("restoring partitions from changelog", body, StringComparison.Ordinal);
        }

        Assert.Equal(1, await StateHarness.MetricAsync(address, "streamrnn_restore_partitions_restoring", "pipeline=\"temps\""));

        // Twice the poll interval later the restore still runs and the group membership has held.
        var restoreStarted = DateTime.UtcNow;
        while (DateTime.UtcNow - restoreStarted < TimeSpan.FromSeconds(6))
        {
            Assert.False(daemon.HasExited, daemon.Transcript);
            await Task.Delay(200);
        }

        Assert.Equal(1, await StateHarness.MetricAsync(address, "streamrnn_restore_partitions_restoring", "pipeline=\"temps\""));
        Assert.DoesNotContain(daemon.Output.Concat(daemon.Errors), l => l.Contains("Partitions lost", StringComparison.Ordinal)
            || l.Contains("Partitions revoked", StringComparison.Ordinal) || l.Contains("poll interval", StringComparison.OrdinalIgnoreCase));
        daemon.Terminate();

        Assert.Equal(0, await daemon.WaitForExitAsync(StateHarness.Timeout));
        Assert.DoesNotContain(daemon.Output.Concat(daemon.Errors), l => l.Contains("fatal error", StringComparison.OrdinalIgnoreCase));
    }

    public void Dispose() => _harness.Dispose();
}
