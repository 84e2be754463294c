using StreamRnn.CommandLine;

namespace StreamRnn.Daemon.Commands;

/// <summary>
/// <c>streamrnn [command] [options]</c>: the commands of the daemon's executable, which are the ones production runs
/// (backtest, calibrate and train are in <c>streamrnn-tools</c>, src/StreamRnn.Tools).
/// </summary>
internal static class DaemonCommandLine
{
    public const string Program = "streamrnn";

    public static readonly string ExitCodesHelp =
        $"Exit codes: {ExitCodes.Success} success (also after SIGTERM/Ctrl-C), {ExitCodes.Failure} failure, "
        + $"{ExitCodes.Usage} command-line error, {ExitCodes.InvalidConfiguration} invalid configuration.";

    public static CommandLineApp Create() => new(
        Program,
        "streamrnn: streaming recurrent-network forecasts on Kafka.",
        defaultCommand: "run",
        ExitCodesHelp,
        new RunCommand(),
        new BrokerCommand(),
        new ReplayCommand());
}
