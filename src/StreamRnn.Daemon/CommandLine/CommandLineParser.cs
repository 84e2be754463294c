namespace StreamRnn.Daemon.CommandLine;

/// <summary>
/// Reads <c>streamrnn [verb] [--option value | --option=value]... [--Section:Key=value]...</c>.
/// </summary>
/// <remarks>
/// Hand-written because System.CommandLine is not available offline; the grammar is small. The verb may be
/// left out (then it is <c>run</c>). Options are matched case-insensitively; an unknown option is an error
/// rather than silently ignored, except that <c>run</c> passes every option that names a configuration key
/// (it contains a colon, or is a top-level key such as <c>PipelineFiles</c>) on to the configuration.
/// </remarks>
internal static class CommandLineParser
{
    private static readonly string[] TopLevelConfigurationKeys = ["PipelineFiles"];

    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return Empty(CommandCatalog.Run, helpRequested: false);
        }

        var first = args[0];
        if (IsHelp(first) || string.Equals(first, "help", StringComparison.OrdinalIgnoreCase))
        {
            if (args.Count > 1 && !IsHelp(args[1]))
            {
                return Empty(FindVerb(args[1]), helpRequested: true);
            }

            return Empty(null, helpRequested: true);
        }

        var start = 0;
        var spec = CommandCatalog.Run;
        if (!first.StartsWith('-'))
        {
            spec = FindVerb(first);
            start = 1;
        }

        var help = false;
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var configuration = new List<string>();
        for (var i = start; i < args.Count; i++)
        {
            var argument = args[i];
            if (IsHelp(argument))
            {
                help = true;
                continue;
            }

            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                throw new CommandLineException(
                    $"unexpected argument '{argument}' for '{spec.Name}': options are written --name value or --name=value. See 'streamrnn {spec.Name} --help'.");
            }

            var body = argument[2..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? body : body[..equals];
            string? value = equals < 0 ? null : body[(equals + 1)..];
            var option = FindOption(spec, name);
            if (option is not null)
            {
                value ??= TakeValue(args, ref i, name);
                if (!options.TryAdd(option.Name, value))
                {
                    throw new CommandLineException($"--{option.Name} is given twice.");
                }
            }
            else if (spec.AcceptsConfigurationOverrides && IsConfigurationKey(name))
            {
                value ??= TakeValue(args, ref i, name);
                configuration.Add($"--{name}={value}");
            }
            else
            {
                throw new CommandLineException($"unknown option '--{name}' for '{spec.Name}'. See 'streamrnn {spec.Name} --help'.");
            }
        }

        return new ParsedCommandLine(spec, help, options, configuration);
    }

    private static ParsedCommandLine Empty(CommandSpec? spec, bool helpRequested) =>
        new(spec, helpRequested, new Dictionary<string, string>(), []);

    private static bool IsHelp(string argument) => argument is "--help" or "-h" or "-?";

    private static CommandSpec FindVerb(string name) =>
        CommandCatalog.Find(name) ?? throw new CommandLineException(
            $"unknown command '{name}'. Commands: {string.Join(", ", CommandCatalog.All.Select(c => c.Name))}. See 'streamrnn --help'.");

    private static OptionSpec? FindOption(CommandSpec spec, string name)
    {
        foreach (var option in spec.Options)
        {
            if (string.Equals(option.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return option;
            }
        }

        return null;
    }

    private static bool IsConfigurationKey(string name) =>
        name.Length > 0 && (name.Contains(':', StringComparison.Ordinal)
            || TopLevelConfigurationKeys.Contains(name, StringComparer.OrdinalIgnoreCase));

    private static string TakeValue(IReadOnlyList<string> args, ref int index, string name)
    {
        if (index + 1 >= args.Count || args[index + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new CommandLineException($"--{name} needs a value.");
        }

        index++;
        return args[index];
    }
}
