namespace StreamRnn.Daemon.CommandLine;

/// <summary>The command line cannot be understood; the message says what to change.</summary>
internal sealed class CommandLineException(string message) : Exception(message);
