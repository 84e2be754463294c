using System.CommandLine;

namespace StreamRnn.CommandLine;

/// <summary>A command of an executable (<c>run</c>, <c>backtest</c>…) with the text its help shows after the options.</summary>
public abstract class VerbCommand : Command
{
    protected VerbCommand(string name, string summary, string details)
        : base(name, summary)
    {
        Details = details.Trim();
    }

    /// <summary>Paragraphs shown by <c>--help</c> after the options.</summary>
    public string Details { get; }

    /// <summary>
    /// Top-level configuration keys this command also accepts as <c>--Key=value</c>, or null when the command takes no
    /// configuration overrides. With overrides, every unknown option that contains a colon (<c>--Section:Key=value</c>)
    /// or names one of these keys is handed to the configuration instead of being an error.
    /// </summary>
    public IReadOnlyList<string>? ConfigurationKeys
    {
        get;
        protected init
        {
            field = value;
            TreatUnmatchedTokensAsErrors = value is null;
        }
    }

    /// <summary>A text option (<c>--name VALUE</c>), optionally required.</summary>
    protected Option<string> AddText(string name, string valueName, string description, bool required = false)
    {
        var option = CommandLineOptions.Text(name, valueName, description, required);
        Options.Add(option);
        return option;
    }

    /// <summary>An integer option within bounds; null when absent.</summary>
    protected Option<long?> AddInteger(string name, string valueName, string description, long minimum, long maximum)
    {
        var option = CommandLineOptions.Integer(name, valueName, description, minimum, maximum);
        Options.Add(option);
        return option;
    }

    /// <summary>A finite number option that <paramref name="accept"/> allows (<paramref name="rule"/> says which); null when absent.</summary>
    protected Option<double?> AddNumber(string name, string valueName, string description, Func<double, bool> accept, string rule)
    {
        var option = CommandLineOptions.Number(name, valueName, description, accept, rule);
        Options.Add(option);
        return option;
    }
}
