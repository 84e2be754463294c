namespace StreamRnn.Daemon.Backtest;

/// <summary>The backtest cannot start or go on; the message is one line naming the file, column or setting.</summary>
/// <param name="exitCode">2 for a file or column problem (the command line names it), 3 for an invalid pipeline.</param>
internal sealed class BacktestException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
