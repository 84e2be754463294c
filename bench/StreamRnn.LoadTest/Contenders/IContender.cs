namespace StreamRnn.LoadTest.Contenders;

/// <summary>One side of the comparison: a consume→produce loop running on its own thread against the embedded broker.</summary>
public interface IContender : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Name of the thread that runs the loop (as /proc shows it, at most 15 characters), for the CPU breakdown.</summary>
    string LoopThreadName { get; }

    /// <summary>True once the group has assigned partitions to the loop.</summary>
    bool Ready { get; }

    /// <summary>Input records taken through the loop so far (their outputs handed to the producer).</summary>
    long Processed { get; }

    /// <summary>Outputs handed to the producer and not yet acknowledged.</summary>
    long InFlight { get; }

    /// <summary>Why the loop stopped or an output failed, or null.</summary>
    string? Failure { get; }

    void Start();

    /// <summary>Stops the loop the way the daemon stops: final flush and commit, then leave the group.</summary>
    Task StopAsync();
}
