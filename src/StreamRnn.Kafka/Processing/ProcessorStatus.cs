namespace StreamRnn.Kafka.Processing;

/// <summary>
/// What the consumer loop reports about itself, read by readiness checks and the HTTP API from other threads.
/// </summary>
public sealed class ProcessorStatus
{
    private volatile bool running;
    private volatile bool restoring;
    private volatile bool brokerReachable = true;
    private volatile string? brokerProblem;
    private volatile string? fatalError;
    private volatile int assignedPartitions;
    private volatile bool joined;
    private long recordsProcessed;
    private long commits;
    private long fences;
    private volatile string restoringPartitions = "";

    public bool Running { get => running; internal set => running = value; }

    /// <summary>True while newly assigned partitions are being restored from snapshots and changelogs.</summary>
    public bool Restoring { get => restoring; internal set => restoring = value; }

    /// <summary>The partitions still restoring, each with its progress ("" when none): per-partition readiness.</summary>
    public string RestoringPartitions { get => restoringPartitions; internal set => restoringPartitions = value; }

    /// <summary>Times a commit found this instance fenced out of its group's generation (state dropped, nothing written).</summary>
    public long Fences => Interlocked.Read(ref fences);

    public bool BrokerReachable => brokerReachable;

    /// <summary>Why the broker is considered unreachable, if it is.</summary>
    public string? BrokerProblem => brokerProblem;

    /// <summary>The error that stopped the loop, if one did.</summary>
    public string? FatalError { get => fatalError; internal set => fatalError = value; }

    /// <summary>True once the consumer has joined its group and received a first assignment (possibly empty).</summary>
    public bool Joined { get => joined; internal set => joined = value; }

    public int AssignedPartitions { get => assignedPartitions; internal set => assignedPartitions = value; }

    public long RecordsProcessed => Interlocked.Read(ref recordsProcessed);

    /// <summary>Successful offset commits (or committed transactions) since start.</summary>
    public long Commits => Interlocked.Read(ref commits);

    internal void AddProcessed(long count) => Interlocked.Add(ref recordsProcessed, count);

    internal void AddCommit() => Interlocked.Increment(ref commits);

    internal void AddFence() => Interlocked.Increment(ref fences);

    internal void SetBroker(bool reachable, string? problem)
    {
        brokerProblem = problem;
        brokerReachable = reachable;
    }
}
