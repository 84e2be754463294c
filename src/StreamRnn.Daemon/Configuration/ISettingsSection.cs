namespace StreamRnn.Daemon.Configuration;

/// <summary>
/// An options class bound from one configuration section; lets validation messages name the full setting
/// (<c>Kafka:EmbeddedPartitions</c>), which is what an operator types, rather than a C# member name.
/// </summary>
internal interface ISettingsSection
{
    /// <summary>The configuration path of the section, e.g. <c>Kafka</c>; empty for top-level keys.</summary>
    string SectionPath { get; }
}
