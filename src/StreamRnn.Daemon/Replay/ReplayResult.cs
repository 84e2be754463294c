namespace StreamRnn.Daemon.Replay;

/// <summary>How a replay ended.</summary>
/// <param name="Produced">Rows handed to the producer.</param>
/// <param name="Failed">Of those, records the broker did not acknowledge.</param>
/// <param name="FirstError">The first delivery error, if any.</param>
internal sealed record ReplayResult(long Produced, long Failed, string? FirstError, TimeSpan Elapsed);
