namespace StreamRnn.Benchmarks.Reporting;

/// <summary>One configuration measured on both sides in the same run. Times in nanoseconds per call.</summary>
public sealed record RatioRow(
    string Suite,
    string Cell,
    int HiddenSize,
    int Batch,
    double CoreNanoseconds,
    long? CoreAllocatedBytes,
    double? TorchOneThreadNanoseconds,
    double? TorchDefaultNanoseconds,
    long? TorchAllocatedBytes)
{
    /// <summary>StreamRnn's allocation per call counted exactly on the calling thread (see <c>AllocationProbe</c>); null if not probed.</summary>
    public long? CoreThreadAllocatedBytes { get; init; }

    /// <summary>libtorch single-threaded time ÷ StreamRnn time: how many times faster StreamRnn is (&gt; 1 = faster).</summary>
    public double? OneThreadRatio => TorchOneThreadNanoseconds / CoreNanoseconds;

    /// <summary>libtorch default-threaded time ÷ StreamRnn time.</summary>
    public double? DefaultThreadsRatio => TorchDefaultNanoseconds / CoreNanoseconds;
}
