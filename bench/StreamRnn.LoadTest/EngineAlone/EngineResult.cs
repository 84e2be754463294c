namespace StreamRnn.LoadTest.EngineAlone;

/// <summary>One engine-alone measurement.</summary>
/// <param name="Label">Cell, size and whether metrics were recorded.</param>
/// <param name="Records">Records measured (after the warm-up).</param>
/// <param name="WallSeconds">Stopwatch time of the measured calls.</param>
/// <param name="CpuSeconds">On-CPU time of the measuring thread over the same calls (what one core did).</param>
/// <param name="AllocatedBytes">GC.GetAllocatedBytesForCurrentThread over the same calls.</param>
/// <param name="Predictions">Predictions the sink received.</param>
/// <param name="DeadLetters">Dead letters the sink received (0 expected).</param>
/// <param name="AveragePredictionBytes">Mean size of a prediction record.</param>
public sealed record EngineResult(string Label, int Records, double WallSeconds, double CpuSeconds, long AllocatedBytes, long Predictions,
    long DeadLetters, double AveragePredictionBytes)
{
    public double EventsPerSecond => Records / WallSeconds;

    public double EventsPerCpuSecond => CpuSeconds > 0 ? Records / CpuSeconds : double.NaN;

    public double BytesPerEvent => (double)AllocatedBytes / Records;
}
