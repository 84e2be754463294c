namespace StreamRnn.Daemon.Replay;

/// <summary>What <c>streamrnn replay</c> was asked to do.</summary>
/// <param name="RecordsPerSecond">Pace; 0 = as fast as the producer takes them.</param>
/// <param name="Limit">Most rows to produce; null = all.</param>
internal sealed record ReplaySettings(
    string CsvPath,
    string Topic,
    string BootstrapServers,
    string? KeyColumn,
    double RecordsPerSecond,
    long? Limit);
