namespace StreamRnn.Daemon.CommandLine;

/// <summary>One option a verb accepts: <c>--name value</c> or <c>--name=value</c>.</summary>
internal sealed record OptionSpec(string Name, string ValueName, string Description);
