namespace StreamRnn.Daemon.CommandLine;

/// <summary>The first word of the command line.</summary>
internal enum CommandVerb
{
    Run,
    Broker,
    Replay,
    Backtest,
    Train,
}
