using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace StreamRnn.CommandLine;

/// <summary>
/// Options with the house's messages: a bad value is reported as <c>--name: problem</c>, without the value (it may be a
/// path, a host or something secret-looking that does not belong in a log).
/// </summary>
public static class CommandLineOptions
{
    public static Option<string> Text(string name, string valueName, string description, bool required = false) => new(name)
    {
        HelpName = valueName,
        Description = description,
        Required = required,
    };

    public static Option<long?> Integer(string name, string valueName, string description, long minimum, long maximum) => new(name)
    {
        HelpName = valueName,
        Description = description,
        CustomParser = result => Single(result) is { } text
            && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= minimum && value <= maximum
                ? value
                : Fail<long?>(result, $"{name}: must be a whole number from {minimum} to {maximum}."),
    };

    public static Option<double?> Number(string name, string valueName, string description, Func<double, bool> accept, string rule) => new(name)
    {
        HelpName = valueName,
        Description = description,
        CustomParser = result => Single(result) is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && accept(value)
                ? value
                : Fail<double?>(result, $"{name}: must be {rule}."),
    };

    /// <summary>An option whose value is converted by <paramref name="parse"/>, which returns null for a value it refuses.</summary>
    public static Option<T?> Parsed<T>(string name, string valueName, string description, Func<string, T?> parse, string rule, params string[] completions)
        where T : class => WithCompletions(new Option<T?>(name)
        {
            HelpName = valueName,
            Description = description,
            CustomParser = result => Single(result) is { } text && parse(text) is { } value ? value : Fail<T?>(result, $"{name}: must be {rule}."),
        }, completions);

    /// <summary>Like <see cref="Parsed{T}"/> for a value type.</summary>
    public static Option<T?> ParsedValue<T>(string name, string valueName, string description, Func<string, T?> parse, string rule, params string[] completions)
        where T : struct => WithCompletions(new Option<T?>(name)
        {
            HelpName = valueName,
            Description = description,
            CustomParser = result => Single(result) is { } text && parse(text) is { } value ? value : Fail<T?>(result, $"{name}: must be {rule}."),
        }, completions);

    private static Option<T> WithCompletions<T>(Option<T> option, string[] completions)
    {
        if (completions.Length > 0)
        {
            option.CompletionSources.Add(completions);
        }

        return option;
    }

    // A missing or repeated value is reported by ParseProblems (needs a value, given twice); only one value is converted.
    private static string? Single(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : null;

    private static T? Fail<T>(ArgumentResult result, string message)
    {
        if (result.Tokens.Count == 1)
        {
            result.AddError(message);
        }

        return default;
    }
}
