using StreamRnn.Daemon.CommandLine;

namespace StreamRnn.Daemon.Commands;

/// <summary><c>streamrnn backtest</c>: arrives with a later issue; until then it says so instead of pretending.</summary>
internal static class BacktestCommand
{
    public static int Execute(TextWriter error)
    {
        error.WriteLine("streamrnn: 'backtest' is not implemented yet (planned: replay a CSV through the pipeline code with prequential metrics against naive baselines).");
        return ExitCodes.Usage;
    }
}
