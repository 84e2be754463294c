using StreamRnn.LoadTest.Measurement;

namespace StreamRnn.LoadTest.Runs;

/// <summary>One contender draining a pre-produced backlog.</summary>
/// <param name="Label">Contender name and run ("passthrough #1").</param>
/// <param name="Records">Input records in the backlog.</param>
/// <param name="Scan">The output topic read back after the run.</param>
/// <param name="WallSeconds">From starting the contender (group join included) until every output was acknowledged.</param>
/// <param name="CpuSeconds">CPU time of the whole process over that interval (broker, clients, loop, GC).</param>
/// <param name="Threads">That CPU time by thread group.</param>
public sealed record ThroughputResult(string Label, int Records, OutputScan Scan, double WallSeconds, double CpuSeconds,
    IReadOnlyList<(string Group, double Seconds)> Threads)
{
    public double RecordsPerSecond => Scan.RecordsPerSecond;

    /// <summary>CPU microseconds per record (all threads of the process).</summary>
    public double CpuMicrosecondsPerRecord => CpuSeconds * 1e6 / Records;

    /// <summary>True when every input came out exactly once and nothing was dropped by the broker.</summary>
    public bool Complete => Scan.Outputs == Records && Scan.DistinctInputs == Records && Scan.DroppedByBroker == 0;
}
