namespace StreamRnn.Daemon.Configuration;

/// <summary>The <c>State</c> section: the local state directory and how often state is made durable.</summary>
public sealed class StateDirectoryOptions : ISettingsSection
{
    public const string SectionName = "State";

    /// <summary>Local snapshots per pipeline and partition; relative paths are relative to the content root.</summary>
    [SettingRequired]
    public string Directory { get; set; } = "./state";

    /// <summary>How often outputs are flushed, changelog records written and offsets committed.</summary>
    [TimeSpanRange("00:00:00.010", "00:10:00")]
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often (at most) partition snapshots are written, right after a commit.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often idle keys are looked for and evicted.</summary>
    [TimeSpanRange("00:00:01", "1.00:00:00")]
    public TimeSpan EvictionInterval { get; set; } = TimeSpan.FromSeconds(10);

    string ISettingsSection.SectionPath => SectionName;
}
