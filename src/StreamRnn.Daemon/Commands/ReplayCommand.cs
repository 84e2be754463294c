using System.Globalization;
using System.Runtime.InteropServices;
using StreamRnn.Daemon.CommandLine;
using StreamRnn.Daemon.Replay;

namespace StreamRnn.Daemon.Commands;

/// <summary><c>streamrnn replay</c>: produce a CSV file into a topic; Ctrl-C stops early after flushing.</summary>
internal static class ReplayCommand
{
    public static async Task<int> ExecuteAsync(ParsedCommandLine command, TextWriter output, TextWriter error)
    {
        var settings = new ReplaySettings(
            command.RequiredOption("csv"),
            command.RequiredOption("topic"),
            command.RequiredOption("bootstrap"),
            command.Option("key-column"),
            command.NumberOption("rate", 0),
            command.Option("limit") is null ? null : command.IntegerOption("limit", 0, 0, long.MaxValue));
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

        var rate = result.Elapsed > TimeSpan.Zero ? result.Produced / result.Elapsed.TotalSeconds : 0;
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
