using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using StreamRnn.CommandLine;
using StreamRnn.Daemon.Replay;

namespace StreamRnn.Daemon.Commands;

/// <summary><c>streamrnn replay</c>: produce a CSV file into a topic; Ctrl-C stops early after flushing.</summary>
internal sealed class ReplayCommand : VerbCommand
{
    private readonly Option<string> _csvOption;
    private readonly Option<string> _topicOption;
    private readonly Option<string> _bootstrapOption;
    private readonly Option<string> _keyColumnOption;
    private readonly Option<double?> _rateOption;
    private readonly Option<long?> _limitOption;

    public ReplayCommand()
        : base("replay", "Produce the rows of a CSV file into a Kafka topic as JSON objects.", """
            Each row becomes one JSON object of its columns: cells that are numbers are written as JSON numbers,
            empty cells as null, everything else as strings. Exits 0 once every record is acknowledged.
            """)
    {
        _csvOption = AddText("--csv", "FILE", "The CSV file; its first line names the columns.", required: true);
        _topicOption = AddText("--topic", "TOPIC", "The topic to produce to.", required: true);
        _bootstrapOption = AddText("--bootstrap", "SERVERS", "Kafka bootstrap servers, host:port[,host:port].", required: true);
        _keyColumnOption = AddText("--key-column", "COLUMN", "Use this column as the record key (default: no key).");
        _rateOption = AddNumber("--rate", "N", "Records per second; 0 = as fast as possible (default 0).", rate => rate >= 0, "a number ≥ 0");
        _limitOption = AddInteger("--limit", "N", "Stop after N rows (default: all rows).", 0, long.MaxValue);
        SetAction(parse => ExecuteAsync(parse, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
    }

    private async Task<int> ExecuteAsync(ParseResult parse, TextWriter output, TextWriter error)
    {
        var settings = new ReplaySettings(
            parse.GetRequiredValue(_csvOption),
            parse.GetRequiredValue(_topicOption),
            parse.GetRequiredValue(_bootstrapOption),
            parse.GetValue(_keyColumnOption),
            parse.GetValue(_rateOption) ?? 0,
            parse.GetValue(_limitOption));
        if (!File.Exists(settings.CsvPath))
        {
            throw new CommandLineException($"--csv = '{settings.CsvPath}': the file does not exist.");
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        ReplayResult result;
        try
        {
            result = await new CsvReplayer(settings, TimeProvider.System).RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (ArgumentException exception)
        {
            throw new CommandLineException(exception.Message);
        }
        catch (InvalidDataException exception)
        {
            await error.WriteLineAsync($"streamrnn: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        double rate = result.Elapsed > TimeSpan.Zero ? result.Produced / result.Elapsed.TotalSeconds : 0;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"produced {result.Produced} records to {settings.Topic} in {result.Elapsed.TotalSeconds:F2} s ({rate:F0} records/s); {result.Failed} failed")).ConfigureAwait(false);
        if (result.Failed > 0)
        {
            await error.WriteLineAsync($"streamrnn: {result.Failed} records were not delivered; first error: {result.FirstError}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        return ExitCodes.Success;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
