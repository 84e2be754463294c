namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>Shutdown</c> section.</summary>
public sealed class ShutdownOptions : ISettingsSection
{
    public const string SectionName = "Shutdown";

    /// <summary>
    /// Time allowed after SIGTERM or Ctrl-C for every service to stop (final flush and commit, demo feeds, broker);
    /// a service still running then is abandoned and the process exits.
    /// </summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    string ISettingsSection.SectionPath => SectionName;
}
