namespace StreamRnn.Engine.Alerts;

/// <summary>The span of event time during which one key (a bed) was watched: its first to its last reading.</summary>
public readonly record struct MonitoredSpan(string Key, long StartUnixMs, long EndUnixMs);
