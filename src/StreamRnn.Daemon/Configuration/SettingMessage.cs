using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// Formats validation errors the same way everywhere, <c>Section:Key = value: problem</c>, matching
/// <see cref="Engine.PipelineDefinition.Validate"/>, so every start-up error names the setting and its value.
/// </summary>
internal static class SettingMessage
{
    public static string Format(string setting, object? value, string problem) =>
        $"{setting} = {Show(value)}: {problem}";

    /// <summary>The full setting name of the member being validated.</summary>
    public static string SettingOf(ValidationContext context)
    {
        var member = context.MemberName ?? context.DisplayName;
        return context.ObjectInstance is ISettingsSection { SectionPath.Length: > 0 } section
            ? $"{section.SectionPath}:{member}"
            : member;
    }

    public static string Show(object? value) => value switch
    {
        null => "(not set)",
        string { Length: 0 } => "\"\"",
        string text => $"'{text}'",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable sequence => $"[{string.Join(", ", sequence.Cast<object?>().Select(Show))}]",
        _ => value.ToString() ?? "",
    };
}
