using System.ComponentModel.DataAnnotations;

namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// Formats validation errors the same way everywhere, <c>Section:Key: problem</c>, matching
/// <see cref="Engine.PipelineDefinition.Validate"/>. A message names the setting, never its value: a value may be a
/// secret (a password typed under the wrong key, an API key), and start-up errors go to stderr and log collectors.
/// </summary>
internal static class SettingMessage
{
    public static string Format(string setting, string problem) => $"{setting}: {problem}";

    /// <summary>The full setting name of the member being validated.</summary>
    public static string SettingOf(ValidationContext context)
    {
        string member = context.MemberName ?? context.DisplayName;
        return context.ObjectInstance is ISettingsSection { SectionPath.Length: > 0 } section
            ? $"{section.SectionPath}:{member}"
            : member;
    }
}
