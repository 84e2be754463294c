using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using StreamRnn.CommandLine;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Daemon.Commands;

/// <summary>
/// <c>streamrnn broker</c>: a standalone embedded broker for local development. The bootstrap servers go to
/// standard output (first line, nothing else), log lines to standard error, so <c>streamrnn broker | head -1</c>
/// or <c>--bootstrap-file</c> give scripts the address.
/// </summary>
internal sealed class BrokerCommand : VerbCommand
{
    private readonly Option<long?> _partitionsOption;
    private readonly Option<string> _topicsOption;
    private readonly Option<string> _bootstrapFileOption;

    public BrokerCommand()
        : base("broker", "Run a standalone embedded Kafka broker (librdkafka mock cluster) until Ctrl-C or SIGTERM.", """
            Prints the bootstrap servers (127.0.0.1:PORT, random ports) on standard output. The broker keeps
            everything in memory; it has no compaction and keeps at most 5 MiB per partition.
            """)
    {
        _partitionsOption = AddInteger("--partitions", "N", "Partitions of each topic created with --topics (default 4).", 1, 256);
        _topicsOption = AddText("--topics", "A,B", "Topics to create at start, comma-separated.");
        _bootstrapFileOption = AddText("--bootstrap-file", "PATH", "Also write the bootstrap servers to this file (one line).");
        SetAction(parse => ExecuteAsync(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
    }

    private async Task<int> ExecuteAsync(ParseResult parse, TextWriter output, TextWriter error)
    {
        int partitions = (int)(parse.GetValue(_partitionsOption) ?? 4);
        string[] topics = (parse.GetValue(_topicsOption) ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string? bootstrapFile = parse.GetValue(_bootstrapFileOption);
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var loggers = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            })
            .AddFilter((_, level) => level >= LogLevel.Information)
            .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));

        using var cluster = EmbeddedKafkaCluster.Start(brokers: 1, loggers.CreateLogger<EmbeddedKafkaCluster>());
        foreach (string topic in topics)
        {
            try
            {
                cluster.CreateTopic(topic, partitions);
            }
            catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or Confluent.Kafka.KafkaException)
            {
                await error.WriteLineAsync($"streamrnn: cannot create topic '{topic}': {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }

        if (bootstrapFile is not null)
        {
            string path = Path.GetFullPath(bootstrapFile);
            string temporary = path + ".tmp";

            // Written whole then renamed, so a script polling for the file never reads half a line.
            await File.WriteAllTextAsync(temporary, cluster.BootstrapServers + "\n").ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }

        await output.WriteLineAsync(cluster.BootstrapServers).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
        await error.WriteLineAsync(
            $"streamrnn: embedded broker at {cluster.BootstrapServers}" +
            (topics.Length > 0 ? $", topics {string.Join(", ", topics)} with {partitions} partitions" : "") +
            "; Ctrl-C or SIGTERM stops it.").ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop.
        }

        cluster.Dispose();
        loggers.Dispose(); // flushes the console logger's queue, so the last line below really is last
        await error.WriteLineAsync("streamrnn: broker stopped.").ConfigureAwait(false);
        return ExitCodes.Success;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
