using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StreamRnn.Kafka.Embedded;

/// <summary>
/// A standalone embedded broker for local development (<c>streamrnn broker</c>): starts an
/// <see cref="EmbeddedKafkaCluster"/>, creates topics and publishes the bootstrap servers in a file, because the
/// mock cluster's ports are random and cannot be fixed.
/// </summary>
/// <remarks>
/// Other processes (the daemon, kcat, scripts) read the file and connect; it is written atomically (a temporary file
/// renamed over it), so a reader polling for it never sees a partial line. Everything the mock cluster does not do
/// (see <see cref="EmbeddedKafkaCluster"/>) applies: the data lives in this process's memory and ends with it.
/// </remarks>
public sealed class EmbeddedBrokerHost : IDisposable
{
    private readonly ILogger _logger;
    private readonly string? _writtenContent;

    private EmbeddedBrokerHost(EmbeddedKafkaCluster cluster, string? bootstrapFile, string? writtenContent, ILogger logger)
    {
        Cluster = cluster;
        BootstrapFile = bootstrapFile;
        _writtenContent = writtenContent;
        _logger = logger;
    }

    /// <summary>The running cluster.</summary>
    public EmbeddedKafkaCluster Cluster { get; }

    /// <summary>The cluster's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers => Cluster.BootstrapServers;

    /// <summary>The full path of the bootstrap file, if one was asked for.</summary>
    public string? BootstrapFile { get; }

    /// <summary>Starts the cluster, creates the topics and writes the bootstrap file, in that order: a process that
    /// sees the file finds the topics in place.</summary>
    /// <exception cref="InvalidOperationException">A topic exists with another partition count.</exception>
    public static EmbeddedBrokerHost Start(EmbeddedBrokerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var cluster = EmbeddedKafkaCluster.Start(options.Brokers, logger);
        try
        {
            foreach (var (topic, partitions) in options.Topics)
            {
                cluster.CreateTopic(topic, partitions, replicationFactor: 1);
            }

            string? path = null;
            string? content = null;
            if (options.BootstrapFile is not null)
            {
                path = Path.GetFullPath(options.BootstrapFile);
                content = WriteBootstrapFile(path, cluster.BootstrapServers);
                EmbeddedKafkaLog.BootstrapFileWritten(logger, cluster.BootstrapServers, path);
            }

            return new EmbeddedBrokerHost(cluster, path, content, logger);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="bootstrapServers"/> and a newline to <paramref name="path"/> atomically,
    /// creating its directory if needed.</summary>
    /// <returns>The content written.</returns>
    public static string WriteBootstrapFile(string path, string bootstrapServers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(bootstrapServers);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string content = bootstrapServers + "\n";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, full, overwrite: true);
        return content;
    }

    /// <summary>Removes the bootstrap file (unless another broker has replaced it since) and stops the cluster.
    /// Dispose the clients connected to it first. Idempotent.</summary>
    public void Dispose()
    {
        if (BootstrapFile is not null && _writtenContent is not null)
        {
            try
            {
                if (File.Exists(BootstrapFile) && File.ReadAllText(BootstrapFile) == _writtenContent)
                {
                    File.Delete(BootstrapFile);
                }
            }
            catch (IOException e)
            {
                EmbeddedKafkaLog.BootstrapFileNotRemoved(_logger, BootstrapFile, e.Message);
            }
        }

        Cluster.Dispose();
    }
}
