using Microsoft.Extensions.Options;

namespace StreamRnn.Daemon.Configuration;

/// <summary>Turns the exceptions that start-up validation and binding throw into one line per problem.</summary>
internal static partial class ConfigurationErrorReport
{
    /// <summary>True when <paramref name="exception"/> is (or wraps only) configuration errors.</summary>
    public static bool TryDescribe(Exception exception, out IReadOnlyList<string> problems)
    {
        var lines = new List<string>();
        bool all = Collect(exception, lines);
        problems = lines;
        return all && lines.Count > 0;
    }

    private static bool Collect(Exception exception, List<string> lines)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                lines.AddRange(validation.Failures);
                return true;
            case AggregateException aggregate:
                bool all = true;
                foreach (var inner in aggregate.InnerExceptions)
                {
                    all &= Collect(inner, lines);
                }

                return all;
            case InvalidOperationException binding when IsBinderError(binding):
                lines.Add(WithoutValue(binding.Message));
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// The binder's conversion failure quotes the value; it is rewritten to "Setting: cannot be read as TYPE" (a value
    /// may be a secret). Other binder messages name keys only.
    /// </summary>
    private static string WithoutValue(string message)
    {
        var match = ConversionFailure().Match(message);
        return match.Success
            ? SettingMessage.Format(match.Groups["setting"].Value, $"cannot be read as {match.Groups["type"].Value}")
            : message;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Failed to convert configuration value .* at '(?<setting>[^']*)' to type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.Singleline)]
    private static partial System.Text.RegularExpressions.Regex ConversionFailure();

    /// <summary>
    /// The binder's conversion failure ("Failed to convert configuration value 'x' at 'Delivery:Mode' to type …")
    /// names the setting and the value; its unknown-key failure (inside <c>Pipelines</c>) names the key.
    /// </summary>
    private static bool IsBinderError(InvalidOperationException exception) =>
        exception.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)
        || exception.Message.Contains("'ErrorOnUnknownConfiguration'", StringComparison.Ordinal);
}
