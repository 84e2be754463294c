namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>Demo</c> section: feeds that replay the bundled real data into the demo pipelines.</summary>
public sealed class DemoOptions : ISettingsSection
{
    public const string SectionName = "Demo";

    /// <summary>Run the demo feeds; not set = on with the embedded broker, off with a configured one.</summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Multiplies each feed's base pace (stocks: one trading day per second; machine temperature: five minutes per
    /// second; bed exit: real time).
    /// </summary>
    [SettingRange(0.01, 100_000)]
    public double Speed { get; set; } = 1;

    /// <summary>Whether the feeds run, given whether the broker is embedded.</summary>
    public bool IsEnabled(bool embeddedBroker) => Enabled ?? embeddedBroker;

    string ISettingsSection.SectionPath => SectionName;
}
