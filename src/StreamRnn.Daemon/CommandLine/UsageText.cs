using System.Text;

namespace StreamRnn.Daemon.CommandLine;

/// <summary>The text of <c>streamrnn --help</c> and <c>streamrnn VERB --help</c>, built from <see cref="CommandCatalog"/>.</summary>
internal static class UsageText
{
    public static string General()
    {
        var text = new StringBuilder();
        text.AppendLine("streamrnn: streaming recurrent-network forecasts on Kafka.");
        text.AppendLine();
        text.AppendLine("Usage: streamrnn [command] [options]");
        text.AppendLine();
        text.AppendLine("Commands:");
        foreach (var spec in CommandCatalog.All)
        {
            text.Append("  ").Append(spec.Name.PadRight(10)).AppendLine(spec.Summary);
        }

        text.AppendLine();
        text.AppendLine("'streamrnn COMMAND --help' shows a command's options.");
        AppendExitCodes(text);
        return text.ToString();
    }

    public static string For(CommandSpec spec)
    {
        var text = new StringBuilder();
        text.Append("Usage: streamrnn ").Append(spec.Name);
        if (spec.Options.Count > 0)
        {
            text.Append(" [options]");
        }

        if (spec.AcceptsConfigurationOverrides)
        {
            text.Append(" [--Section:Key=value]...");
        }

        text.AppendLine().AppendLine().AppendLine(spec.Summary);
        if (spec.Options.Count > 0)
        {
            text.AppendLine().AppendLine("Options:");
            foreach (var option in spec.Options)
            {
                var head = $"--{option.Name} {option.ValueName}";
                text.Append("  ").Append(head.PadRight(26)).AppendLine(option.Description);
            }
        }

        text.AppendLine().AppendLine(spec.Details.Trim());
        AppendExitCodes(text);
        return text.ToString();
    }

    private static void AppendExitCodes(StringBuilder text)
    {
        text.AppendLine();
        text.AppendLine($"Exit codes: {ExitCodes.Success} success (also after SIGTERM/Ctrl-C), {ExitCodes.Failure} failure, "
            + $"{ExitCodes.Usage} command-line error or command not available, {ExitCodes.InvalidConfiguration} invalid configuration.");
    }
}
