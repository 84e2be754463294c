namespace StreamRnn.Daemon.Configuration;

/// <summary>How log lines are written to the console.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per event.</summary>
    Text = 0,

    /// <summary>One JSON object per event, with the message template's arguments as fields (for log shippers).</summary>
    Json = 1,
}
