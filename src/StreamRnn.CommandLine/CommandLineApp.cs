using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace StreamRnn.CommandLine;

/// <summary>
/// An executable's command line on System.CommandLine: <c>program [command] [--option value | --option=value]...</c>,
/// with the rules both executables keep: command and option names are matched case-insensitively, <c>help COMMAND</c>
/// is <c>COMMAND --help</c>, a usage error is one line on standard error and exit code 2, and an action's
/// <see cref="CommandLineException"/> is a usage error too. Completions come from System.CommandLine's
/// <c>[suggest]</c> directive.
/// </summary>
public sealed class CommandLineApp
{
    private readonly RootCommand _root;

    /// <param name="program">The executable's name, as messages and help show it.</param>
    /// <param name="description">The first line of the general help.</param>
    /// <param name="defaultCommand">The command run when the line starts with an option or is empty; null: a command is needed.</param>
    /// <param name="exitCodes">The exit-code paragraph closing every help text.</param>
    public CommandLineApp(string program, string description, string? defaultCommand, string exitCodes, params VerbCommand[] commands)
    {
        Program = program;
        DefaultCommand = defaultCommand;
        _root = new RootCommand(description);
        foreach (var command in commands)
        {
            _root.Subcommands.Add(command);
        }

        ExitCodesHelp = exitCodes;
        var help = (HelpAction)_root.Options.OfType<HelpOption>().Single().Action!;
        help.MaxWidth = Console.IsOutputRedirected || Console.WindowWidth < 80 ? 120 : Console.WindowWidth;
    }

    public string Program { get; }

    public string? DefaultCommand { get; }

    private string ExitCodesHelp { get; }

    public IReadOnlyList<VerbCommand> Commands => _root.Subcommands.OfType<VerbCommand>().ToList();

    /// <summary>The arguments as System.CommandLine will read them (see the class remarks); throws on an unknown <c>help X</c>.</summary>
    public string[] Normalize(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var list = args.ToList();
        if (list.Count == 0)
        {
            return DefaultCommand is null ? [] : [DefaultCommand];
        }

        if (string.Equals(list[0], "help", StringComparison.OrdinalIgnoreCase))
        {
            return list.Count > 1 && !ParseProblems.IsHelp(list[1])
                ? [(Find(list[1]) ?? throw new CommandLineException(ParseProblems.UnknownCommand(_root, list[1], Program))).Name, "--help"]
                : ["--help"];
        }

        if (list[0].StartsWith('-') && !ParseProblems.IsHelp(list[0]) && list[0] != "--version" && DefaultCommand is not null)
        {
            list.Insert(0, DefaultCommand);
        }

        if (Find(list[0]) is { } command)
        {
            list[0] = command.Name;
            for (int i = 1; i < list.Count; i++)
            {
                if (list[i].StartsWith("--", StringComparison.Ordinal) && ParseProblems.OwnOption(command, list[i]) is { } option)
                {
                    int equals = list[i].IndexOf('=', StringComparison.Ordinal);
                    list[i] = equals < 0 ? option.Name : option.Name + list[i][equals..];
                }
            }
        }

        return [.. list];
    }

    /// <summary>Parses <paramref name="args"/> (see <see cref="Normalize"/>).</summary>
    public ParseResult Parse(IReadOnlyList<string> args) =>
        _root.Parse(Normalize(args), new ParserConfiguration { ResponseFileTokenReplacer = null });

    /// <summary>Runs the command line: help, a usage error (exit code 2) or the command's action.</summary>
    public async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        try
        {
            string[] arguments = Normalize(args);
            var parse = _root.Parse(arguments, new ParserConfiguration { ResponseFileTokenReplacer = null });
            bool runsCommand = parse.Action is ParseErrorAction || ReferenceEquals(parse.Action, parse.CommandResult.Command.Action);
            if (runsCommand && ParseProblems.First(parse, arguments, Program) is { } problem)
            {
                await error.WriteLineAsync($"{Program}: {problem}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (parse.Action is HelpAction)
            {
                using var text = new StringWriter();
                parse.Invoke(new InvocationConfiguration { Output = text, Error = error });
                await output.WriteAsync(HelpLayout.Complete(text.ToString(), parse.CommandResult.Command, Program, ExitCodesHelp)).ConfigureAwait(false);
                return ExitCodes.Success;
            }

            // No termination handling here: the commands handle SIGTERM and Ctrl-C themselves (a graceful stop is exit 0).
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null,
            }).ConfigureAwait(false);
        }
        catch (CommandLineException exception)
        {
            await error.WriteLineAsync($"{Program}: {exception.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception exception)
        {
            // Anything else is a run-time failure (port in use, broker not reachable…): one clear line, then the details.
            await error.WriteLineAsync($"{Program}: failed: {exception.Message}").ConfigureAwait(false);
            await error.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private VerbCommand? Find(string name) =>
        Commands.FirstOrDefault(command => string.Equals(command.Name, name, StringComparison.OrdinalIgnoreCase));
}
