namespace StreamRnn.Daemon.Demo;

/// <summary>One row of a demo file, placed on the feed's timeline.</summary>
/// <param name="Offset">Seconds of data time since the start of the row's series.</param>
/// <param name="Time">The row's own time in seconds (Unix seconds for dates, the value itself for <see cref="DemoTimeFormat.Seconds"/>).</param>
internal sealed record DemoRow(double Offset, double Time, string Key, string[] Fields);
