namespace StreamRnn.RestoreBench;

/// <summary>What one in-memory run measured.</summary>
internal sealed record RestoreResult(
    bool Training,
    int Keys,
    long StateBytes,
    long HeapBytesRestored,
    double ChangelogValueBytes,
    double ChangelogKeyBytes,
    Timing StepPerRecord,
    Timing ChangelogRestore,
    Timing SnapshotEncode,
    Timing SnapshotWrite,
    double SnapshotFsyncSeconds,
    long SnapshotFileBytes,
    Timing SnapshotRead);
