using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

[Trait("Category", "ExternalTool")]

public sealed class BrokerCommandTests
{
    [Fact]
    public async Task Writes_reachable_bootstrap_servers_creates_topics_and_stops_on_sigterm()
    {
        using var scratch = new ScratchDirectory();
        string file = scratch.Combine("bootstrap.txt");
        await using var broker = DaemonProcess.Start(["broker", "--partitions", "3", "--topics", "alpha, beta", "--bootstrap-file", file]);

        await broker.WaitForLineAsync(l => l.Contains("Ctrl-C or SIGTERM stops it", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the ready notice");
        string bootstrap = File.ReadAllText(file);
        Assert.Matches(@"^127\.0\.0\.1:\d+\n$", bootstrap);
        bootstrap = bootstrap.Trim();
        Assert.Equal([bootstrap], broker.Output);

        string metadata = await Kcat.ListAsync(bootstrap);
        Assert.Contains($"1 brokers:", metadata, StringComparison.Ordinal);
        Assert.Contains("topic \"alpha\" with 3 partitions", metadata, StringComparison.Ordinal);
        Assert.Contains("topic \"beta\" with 3 partitions", metadata, StringComparison.Ordinal);

        broker.Terminate();
        Assert.Equal(0, await broker.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("streamrnn: broker stopped.", broker.Errors[^1]);
    }
}
