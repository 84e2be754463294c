namespace StreamRnn.Daemon.CommandLine;

/// <summary>Process exit codes, documented in <c>streamrnn --help</c> and docs/daemon.md.</summary>
internal static class ExitCodes
{
    /// <summary>Finished normally, including a graceful stop on SIGTERM or Ctrl-C.</summary>
    public const int Success = 0;

    /// <summary>A failure at run time (broker unreachable, delivery failed, unexpected error).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong, or the command is not available yet.</summary>
    public const int Usage = 2;

    /// <summary>The configuration is invalid; the message names the setting and its value.</summary>
    public const int InvalidConfiguration = 3;
}
