namespace StreamRnn.CommandLine;

/// <summary>Process exit codes, shared by <c>streamrnn</c> and <c>streamrnn-tools</c>, documented in their <c>--help</c> and docs/daemon.md.</summary>
public static class ExitCodes
{
    /// <summary>Finished normally, including a graceful stop on SIGTERM or Ctrl-C.</summary>
    public const int Success = 0;

    /// <summary>A failure at run time (broker unreachable, delivery failed, unexpected error).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong, or a file or column it names cannot be used.</summary>
    public const int Usage = 2;

    /// <summary>The configuration (or a pipeline file) is invalid; the message names the setting and the problem, never its value.</summary>
    public const int InvalidConfiguration = 3;
}
