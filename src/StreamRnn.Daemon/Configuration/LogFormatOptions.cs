namespace StreamRnn.Daemon.Configuration;

/// <summary><c>Logging:Format</c>; the rest of the <c>Logging</c> section (levels) is Microsoft.Extensions.Logging's own.</summary>
public sealed class LogFormatOptions : ISettingsSection
{
    public const string SectionName = "Logging";

    [DefinedEnum]
    public LogFormat Format { get; set; } = LogFormat.Text;

    string ISettingsSection.SectionPath => SectionName;
}
