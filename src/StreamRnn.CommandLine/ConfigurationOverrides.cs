namespace StreamRnn.CommandLine;

/// <summary>
/// The <c>--Section:Key=value</c> (or <c>--Section:Key value</c>) arguments of a command that takes configuration
/// overrides, in the form the configuration's command-line provider reads: <c>--Section:Key=value</c>.
/// </summary>
/// <remarks>
/// System.CommandLine leaves them unmatched; this reads them from the arguments in order (skipping the command's own
/// options and their values), so a key written without <c>=</c> takes exactly the argument after it.
/// </remarks>
public static class ConfigurationOverrides
{
    /// <summary>The overrides of the command that <paramref name="parse"/> runs.</summary>
    /// <exception cref="CommandLineException">An argument is neither an option of the command nor a configuration key.</exception>
    public static IReadOnlyList<string> Of(System.CommandLine.ParseResult parse, string program)
    {
        var command = (VerbCommand)parse.CommandResult.Command;
        var tokens = parse.Tokens.Select(token => token.Value).ToList();
        int start = tokens.Count > 0 && tokens[0] == command.Name ? 1 : 0;
        return Read(command, tokens.Skip(start).ToList(), program);
    }

    /// <summary>The overrides among <paramref name="arguments"/> (the command's arguments, after its name).</summary>
    /// <exception cref="CommandLineException">An argument is neither an option of the command nor a configuration key.</exception>
    public static IReadOnlyList<string> Read(VerbCommand command, IReadOnlyList<string> arguments, string program)
    {
        var overrides = new List<string>();
        if (Find(command, arguments, program, overrides) is { } problem)
        {
            throw new CommandLineException(problem);
        }

        return overrides;
    }

    /// <summary>The first problem among the overrides, or null.</summary>
    internal static string? Find(VerbCommand command, IReadOnlyList<string> arguments, string program, List<string>? overrides = null)
    {
        var keys = command.ConfigurationKeys ?? [];
        for (int i = 0; i < arguments.Count; i++)
        {
            string argument = arguments[i];
            if (!argument.StartsWith("--", StringComparison.Ordinal) || argument.Length == 2)
            {
                // Not echoed: a stray word may be a value meant for a setting (a password after "--Key= ").
                return ParseProblems.Unexpected(command, program);
            }

            string body = argument[2..];
            int equals = body.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? body : body[..equals];
            if (ParseProblems.OwnOption(command, argument) is not null)
            {
                // The command's own option (checked by the parser): skip its value too when it is the next argument.
                if (equals < 0 && i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    i++;
                }

                continue;
            }

            if (name.Length == 0 || !(name.Contains(':', StringComparison.Ordinal) || keys.Contains(name, StringComparer.OrdinalIgnoreCase)))
            {
                return ParseProblems.UnknownOption(command, name, program);
            }

            string value;
            if (equals >= 0)
            {
                value = body[(equals + 1)..];
            }
            else if (i + 1 < arguments.Count && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = arguments[++i];
            }
            else
            {
                return $"--{name} needs a value.";
            }

            overrides?.Add($"--{name}={value}");
        }

        return null;
    }
}
