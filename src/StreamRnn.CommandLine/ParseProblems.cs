using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace StreamRnn.CommandLine;

/// <summary>
/// The first thing wrong with a parsed command line, as one sentence that names the option and never repeats a value
/// given on the command line (System.CommandLine's own messages quote them).
/// </summary>
internal static class ParseProblems
{
    public static string? First(ParseResult parse, IReadOnlyList<string> arguments, string program)
    {
        var command = parse.CommandResult.Command;
        if (command is not VerbCommand verb)
        {
            return parse.UnmatchedTokens.Count > 0 && !parse.UnmatchedTokens[0].StartsWith('-') ? UnknownCommand(parse.RootCommandResult.Command, parse.UnmatchedTokens[0], program)
                : parse.Errors.Count > 0 ? $"a command is needed. See '{program} --help'."
                : null;
        }

        var present = new List<(Option Option, OptionResult Result)>();
        foreach (var option in verb.Options)
        {
            if (parse.GetResult(option) is { IdentifierTokenCount: > 0 } result)
            {
                present.Add((option, result));
            }
        }

        foreach (var (option, result) in present)
        {
            if (result.IdentifierTokenCount > 1)
            {
                return $"{option.Name} is given twice.";
            }

            if (result.Tokens.Count == 0 || result.Tokens.Any(token => token.Value.StartsWith("--", StringComparison.Ordinal)))
            {
                return $"{option.Name} needs a value.";
            }
        }

        int start = arguments.Count > 0 && string.Equals(arguments[0], verb.Name, StringComparison.Ordinal) ? 1 : 0;
        if (verb.ConfigurationKeys is not null)
        {
            if (ConfigurationOverrides.Find(verb, arguments.Skip(start).ToList(), program) is { } problem)
            {
                return problem;
            }
        }
        else if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            return token.StartsWith("--", StringComparison.Ordinal) && token.Length > 2
                ? UnknownOption(verb, token[2..].Split('=')[0], program)
                : Unexpected(verb, program);
        }

        foreach (var (_, result) in present)
        {
            if (parse.Errors.FirstOrDefault(error => ReferenceEquals(error.SymbolResult, result)) is { } error)
            {
                return error.Message;
            }
        }

        foreach (var option in verb.Options)
        {
            if (option.Required && !present.Any(p => ReferenceEquals(p.Option, option)))
            {
                return $"'{verb.Name}' needs {option.Name}; see '{program} {verb.Name} --help'.";
            }
        }

        return parse.Action is ParseErrorAction && parse.Errors.Count > 0 ? parse.Errors[0].Message : null;
    }

    public static string UnknownCommand(Command root, string name, string program) =>
        $"unknown command '{name}'. Commands: {string.Join(", ", root.Subcommands.Select(c => c.Name))}. See '{program} --help'.";

    public static string UnknownOption(Command command, string name, string program) =>
        $"unknown option '--{name}' for '{command.Name}'. See '{program} {command.Name} --help'.";

    public static string Unexpected(Command command, string program) =>
        $"unexpected argument for '{command.Name}': options are written --name value or --name=value. See '{program} {command.Name} --help'.";

    /// <summary>The option of <paramref name="command"/> (or help) that <paramref name="argument"/> names, matched case-insensitively.</summary>
    public static Option? OwnOption(Command command, string argument)
    {
        int equals = argument.IndexOf('=', StringComparison.Ordinal);
        string name = equals < 0 ? argument : argument[..equals];
        foreach (var option in command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options).Where(o => o.Recursive)))
        {
            if (string.Equals(option.Name, name, StringComparison.OrdinalIgnoreCase)
                || option.Aliases.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                return option;
            }
        }

        return null;
    }

    public static bool IsHelp(string argument) => argument is "--help" or "-h" or "-?";
}
