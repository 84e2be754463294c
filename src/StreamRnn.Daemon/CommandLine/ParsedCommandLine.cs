namespace StreamRnn.Daemon.CommandLine;

/// <summary>The command line, understood: a verb, its options, and configuration overrides for <c>run</c>.</summary>
/// <param name="Command">The verb; null when only the general help was asked for.</param>
/// <param name="ConfigurationArguments">Arguments for the command-line configuration provider, as <c>--Key=value</c>.</param>
internal sealed record ParsedCommandLine(
    CommandSpec? Command,
    bool HelpRequested,
    IReadOnlyDictionary<string, string> Options,
    IReadOnlyList<string> ConfigurationArguments)
{
    /// <summary>The value of an option, or null when it was not given.</summary>
    public string? Option(string name) => Options.TryGetValue(name, out var value) ? value : null;

    /// <summary>The value of a required option; throws naming it when it is missing.</summary>
    public string RequiredOption(string name) =>
        Option(name) ?? throw new CommandLineException($"'{Command?.Name}' needs --{name}; see 'streamrnn {Command?.Name} --help'.");

    /// <summary>An integer option within bounds, or <paramref name="fallback"/> when absent.</summary>
    public long IntegerOption(string name, long fallback, long minimum, long maximum)
    {
        var text = Option(name);
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value < minimum || value > maximum)
        {
            throw new CommandLineException($"--{name} = '{text}': must be a whole number from {minimum} to {maximum}.");
        }

        return value;
    }

    /// <summary>A non-negative finite number option, or <paramref name="fallback"/> when absent.</summary>
    public double NumberOption(string name, double fallback)
    {
        var text = Option(name);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value) || value < 0)
        {
            throw new CommandLineException($"--{name} = '{text}': must be a number ≥ 0.");
        }

        return value;
    }
}
