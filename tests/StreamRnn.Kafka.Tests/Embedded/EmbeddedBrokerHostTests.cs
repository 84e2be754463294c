using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Kafka.Tests.Embedded;

[Trait("Category", "ExternalTool")]

public sealed class EmbeddedBrokerHostTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("streamrnn-broker-").FullName;

    [Fact]
    public async Task Start_CreatesTopicsAndPublishesTheBootstrapServersForOtherProcesses()
    {
        string file = Path.Combine(_directory, "run", "bootstrap.txt");
        using var host = EmbeddedBrokerHost.Start(
            new EmbeddedBrokerOptions { Topics = new Dictionary<string, int> { ["ticks"] = 3, ["predictions"] = 1 }, BootstrapFile = file },
            new TestOutputLogger(output));

        Assert.Equal(file, host.BootstrapFile);
        Assert.Equal(host.BootstrapServers + "\n", await File.ReadAllTextAsync(file));
        Assert.Equal(3, host.Cluster.GetPartitionCount("ticks"));
        Assert.Equal(1, host.Cluster.GetPartitionCount("predictions"));

        // Another process finds the broker through the file alone.
        string servers = (await File.ReadAllTextAsync(file)).Trim();
        await Kcat.RunAsync(["-b", servers, "-P", "-t", "ticks", "-p", "2", "-K", ":"], input: "AAPL:1.5\n");
        string consumed = await Kcat.RunAsync(["-b", servers, "-C", "-t", "ticks", "-p", "2", "-o", "beginning", "-e", "-q", "-f", "%k:%s\n"]);
        Assert.Equal("AAPL:1.5\n", consumed);
        Assert.Equal([], Directory.GetFiles(Path.GetDirectoryName(file)!, "*.tmp"));
    }

    [Fact]
    public void Dispose_RemovesTheFileAndStopsTheCluster_Idempotently()
    {
        string file = Path.Combine(_directory, "bootstrap.txt");
        var host = EmbeddedBrokerHost.Start(new EmbeddedBrokerOptions { BootstrapFile = file });

        host.Dispose();
        host.Dispose();

        Assert.False(File.Exists(file));
        Assert.Throws<ObjectDisposedException>(() => host.Cluster.CreateTopic("late", 1));
    }

    [Fact]
    public void Dispose_LeavesAFileThatAnotherBrokerHasReplaced()
    {
        string file = Path.Combine(_directory, "bootstrap.txt");
        var host = EmbeddedBrokerHost.Start(new EmbeddedBrokerOptions { BootstrapFile = file });
        EmbeddedBrokerHost.WriteBootstrapFile(file, "127.0.0.1:1");

        host.Dispose();

        Assert.Equal("127.0.0.1:1\n", File.ReadAllText(file));
    }

    [Fact]
    public void Start_WithoutAFile_WritesNothing()
    {
        using var host = EmbeddedBrokerHost.Start(new EmbeddedBrokerOptions { Brokers = 2 });
        Assert.Null(host.BootstrapFile);
        Assert.Equal(2, host.Cluster.BrokerCount);
    }

    [Fact]
    public void Start_WhenATopicCannotBeCreated_StopsTheClusterAndWritesNoFile()
    {
        string file = Path.Combine(_directory, "bootstrap.txt");
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedBrokerHost.Start(
            new EmbeddedBrokerOptions { Topics = new Dictionary<string, int> { ["empty"] = 0 }, BootstrapFile = file }));
        Assert.False(File.Exists(file));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
