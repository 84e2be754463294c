using StreamRnn.CommandLine;

namespace StreamRnn.Tools.Commands;

/// <summary><c>streamrnn-tools COMMAND [options]</c>: the offline commands, beside the daemon (<c>streamrnn</c>).</summary>
internal static class ToolsCommandLine
{
    public const string Program = "streamrnn-tools";

    public static readonly string ExitCodesHelp =
        $"Exit codes: {ExitCodes.Success} success, {ExitCodes.Failure} failure, "
        + $"{ExitCodes.Usage} command-line error or a file or column that cannot be used, {ExitCodes.InvalidConfiguration} invalid pipeline.";

    public static CommandLineApp Create() => new(
        Program,
        "streamrnn-tools: backtests, calibration and training on CSV histories, through the daemon's own pipeline code.",
        defaultCommand: null,
        ExitCodesHelp,
        new BacktestCommand(),
        new CalibrateCommand(),
        new TrainCommand());
}
