using Prometheus;

namespace StreamRnn.Engine.Metrics;

/// <summary>The metrics of state safety: quarantined state, stale writes skipped, fencing, incremental restores.</summary>
public sealed partial class StreamRnnMetrics
{
    /// <summary>Label values of the reason label of streamrnn_state_quarantined_total.</summary>
    public static readonly string[] QuarantineReasons = ["changelog_record", "snapshot"];

    /// <summary>Corrupt changelog records and snapshots set aside (never fatal), by pipeline and reason.</summary>
    public Counter StateQuarantined { get; private set; } = null!;

    /// <summary>Restored records skipped because they claim an older applied offset than the key's state.</summary>
    public Counter RestoreStaleRecords { get; private set; } = null!;

    /// <summary>Partitions assigned to this instance whose state is still being restored.</summary>
    public Gauge PartitionsRestoring { get; private set; } = null!;

    /// <summary>Times this instance found itself out of the group's current generation before writing state.</summary>
    public Counter Fenced { get; private set; } = null!;

    private void CreateStateSafetyMetrics(IMetricFactory factory)
    {
        StateQuarantined = factory.CreateCounter("streamrnn_state_quarantined_total",
            "Corrupt key state set aside during a restore (reason = changelog_record|snapshot); the key restarts from its " +
            "previous good state or from zero.", ["pipeline", "reason"]);
        RestoreStaleRecords = factory.CreateCounter("streamrnn_restore_stale_records_total",
            "Restored changelog records skipped because the key already held a newer applied offset (a stale writer's record).",
            ["pipeline"]);
        PartitionsRestoring = factory.CreateGauge("streamrnn_restore_partitions_restoring",
            "Assigned partitions whose state is still being restored (not processed yet).", ["pipeline"]);
        Fenced = factory.CreateCounter("streamrnn_fenced_total",
            "Times a commit found this instance out of its group's current generation: every partition's unflushed state " +
            "was dropped before any changelog or snapshot write.");
    }
}
