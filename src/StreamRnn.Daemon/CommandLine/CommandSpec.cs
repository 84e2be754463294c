namespace StreamRnn.Daemon.CommandLine;

/// <summary>What a verb is for and which options it takes; drives both the parser and the help text.</summary>
/// <param name="AcceptsConfigurationOverrides">
/// Whether options naming a configuration key (<c>--Section:Key=value</c>) are passed to the configuration.
/// </param>
internal sealed record CommandSpec(
    CommandVerb Verb,
    string Name,
    string Summary,
    IReadOnlyList<OptionSpec> Options,
    bool AcceptsConfigurationOverrides,
    string Details);
