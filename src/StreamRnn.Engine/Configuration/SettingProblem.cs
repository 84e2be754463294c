namespace StreamRnn.Engine.Configuration;

/// <summary>
/// The one shape of a pipeline validation message, <c>Setting: problem</c>. The setting's value is deliberately left
/// out: messages reach stderr and log collectors, and a value may be a secret typed into the wrong setting.
/// </summary>
internal static class SettingProblem
{
    /// <summary>Formats the message; <paramref name="value"/> is accepted so call sites say what they checked, and is not shown.</summary>
    public static string Format(string setting, object? value, string problem)
    {
        _ = value;
        return $"{setting}: {problem}";
    }
}
