using System.CommandLine;
using System.Text.RegularExpressions;

namespace StreamRnn.CommandLine;

/// <summary>
/// <c>--help</c>: System.CommandLine's help text, then the command's details and the exit codes. A command that takes
/// configuration overrides shows them in its usage line instead of System.CommandLine's "additional arguments".
/// </summary>
internal static partial class HelpLayout
{
    public static string Complete(string standard, Command command, string program, string exitCodes)
    {
        string text = standard.ReplaceLineEndings("\n").TrimEnd();

        // System.CommandLine names the root after the process (testhost in tests, dotnet for "dotnet x.dll" on some hosts).
        var root = command;
        while (root.Parents.OfType<Command>().FirstOrDefault() is { } parent)
        {
            root = parent;
        }

        text = text.Replace($"\n  {root.Name} ", $"\n  {program} ", StringComparison.Ordinal)
            .Replace($"\n  {root.Name}\n", $"\n  {program}\n", StringComparison.Ordinal);
        if (command is VerbCommand { ConfigurationKeys: not null })
        {
            text = AdditionalArgumentsUsage().Replace(text, "[--Section:Key=value]...");
            text = AdditionalArgumentsSection().Replace(text, "");
        }

        string details = command is VerbCommand verb ? verb.Details : $"'{program} COMMAND --help' shows a command's options.";
        return $"{text.TrimEnd()}\n\n{details.ReplaceLineEndings("\n")}\n\n{exitCodes.Trim().ReplaceLineEndings("\n")}\n";
    }

    [GeneratedRegex(@"\[\[--\] <additional arguments>\.\.\.\]\]?")]
    private static partial Regex AdditionalArgumentsUsage();

    [GeneratedRegex(@"\n*Additional Arguments:\n(  .*(\n|$))*")]
    private static partial Regex AdditionalArgumentsSection();
}
