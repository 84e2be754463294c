namespace StreamRnn.CommandLine;

/// <summary>The command line cannot be understood; the message says what to change.</summary>
public sealed class CommandLineException(string message) : Exception(message);
