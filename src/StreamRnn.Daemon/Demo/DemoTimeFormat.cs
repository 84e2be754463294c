namespace StreamRnn.Daemon.Demo;

/// <summary>How a demo file writes its time column, so it can be read and, on a loop, shifted and written back alike.</summary>
internal enum DemoTimeFormat
{
    /// <summary><c>yyyy-MM-dd</c> (daily data).</summary>
    Date,

    /// <summary><c>yyyy-MM-dd HH:mm:ss</c>, UTC.</summary>
    DateTime,

    /// <summary>Seconds as a number, e.g. since the start of a trial.</summary>
    Seconds,
}
