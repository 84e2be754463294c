namespace StreamRnn.Engine.Runtime;

/// <summary>What a runtime has done since it was created (the same events as its metrics, without Prometheus).</summary>
public readonly record struct PipelineCounters(
    long RecordsConsumed,
    long RecordsApplied,
    long PredictionsProduced,
    long DeadLetters,
    long SkippedDuplicates,
    long LateRecords,
    long SkippedLate,
    long EvictedTtl,
    long EvictedCapacity,
    long RestoredRecords,
    long ChangelogRecords);
