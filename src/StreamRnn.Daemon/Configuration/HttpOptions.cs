namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>Http</c> section: the one port serving metrics, health and queries.</summary>
public sealed class HttpOptions : ISettingsSection
{
    public const string SectionName = "Http";

    public const string DefaultUrl = "http://127.0.0.1:9464";

    /// <summary>
    /// Where Kestrel listens: <c>http://HOST:PORT</c>. Loopback by default, so nothing is exposed unless asked for;
    /// use <c>http://0.0.0.0:9464</c> in a container. Port 0 picks a free port (logged at start).
    /// </summary>
    [SettingRequired]
    public string Url { get; set; } = DefaultUrl;

    string ISettingsSection.SectionPath => SectionName;
}
