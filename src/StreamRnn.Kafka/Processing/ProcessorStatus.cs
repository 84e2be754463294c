namespace StreamRnn.Kafka.Processing;

/// <summary>
/// What the consumer loop reports about itself, read by readiness checks and the HTTP API from other threads.
/// </summary>
public sealed class ProcessorStatus
{
    private volatile bool _running;
    private volatile bool _restoring;
    private volatile bool _brokerReachable = true;
    private volatile string? _brokerProblem;
    private volatile string? _fatalError;
    private volatile int _assignedPartitions;
    private volatile bool _joined;
    private long _recordsProcessed;
    private long _commits;
    private long _fences;
    private volatile string _restoringPartitions = "";

    public bool Running { get => _running; internal set => _running = value; }

    /// <summary>True while newly assigned partitions are being restored from snapshots and changelogs.</summary>
    public bool Restoring { get => _restoring; internal set => _restoring = value; }

    /// <summary>The partitions still restoring, each with its progress ("" when none): per-partition readiness.</summary>
    public string RestoringPartitions { get => _restoringPartitions; internal set => _restoringPartitions = value; }

    /// <summary>Times a commit found this instance fenced out of its group's generation (state dropped, nothing written).</summary>
    public long Fences => Interlocked.Read(ref _fences);

    public bool BrokerReachable => _brokerReachable;

    /// <summary>Why the broker is considered unreachable, if it is.</summary>
    public string? BrokerProblem => _brokerProblem;

    /// <summary>The error that stopped the loop, if one did.</summary>
    public string? FatalError { get => _fatalError; internal set => _fatalError = value; }

    /// <summary>True once the consumer has joined its group and received a first assignment (possibly empty).</summary>
    public bool Joined { get => _joined; internal set => _joined = value; }

    public int AssignedPartitions { get => _assignedPartitions; internal set => _assignedPartitions = value; }

    public long RecordsProcessed => Interlocked.Read(ref _recordsProcessed);

    /// <summary>Successful offset commits (or committed transactions) since start.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    internal void AddProcessed(long count) => Interlocked.Add(ref _recordsProcessed, count);

    internal void AddCommit() => Interlocked.Increment(ref _commits);

    internal void AddFence() => Interlocked.Increment(ref _fences);

    internal void SetBroker(bool reachable, string? problem)
    {
        _brokerProblem = problem;
        _brokerReachable = reachable;
    }
}
