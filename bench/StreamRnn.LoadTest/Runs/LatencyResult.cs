using StreamRnn.LoadTest.Measurement;

namespace StreamRnn.LoadTest.Runs;

/// <summary>One contender under paced offered load.</summary>
/// <param name="Label">Contender name and run.</param>
/// <param name="OfferedRate">Records per second the producer was asked for.</param>
/// <param name="SentRate">Records per second it achieved.</param>
/// <param name="Sent">Records sent.</param>
/// <param name="Traced">Outputs traced to a distinct input (all of them, the settling second included).</param>
/// <param name="EndToEnd">Over the records sent after the first (settling) second: input handed to the producer → output returned by the probe's Consume, milliseconds.</param>
/// <param name="PredictionField">The daemon's own "latency_ms" (record timestamp → prediction written); empty for the passthrough.</param>
/// <param name="Untraced">Outputs that could not be traced to an input.</param>
/// <param name="CpuSeconds">Process CPU while load was offered and drained.</param>
/// <param name="WallSeconds">The interval CpuSeconds covers.</param>
/// <param name="Threads">CPU seconds by thread group over that interval (load producer and probe included).</param>
public sealed record LatencyResult(string Label, int OfferedRate, double SentRate, int Sent, int Traced, LatencySummary EndToEnd,
    LatencySummary PredictionField, int Untraced, double CpuSeconds, double WallSeconds, IReadOnlyList<(string Group, double Seconds)> Threads)
{
    public bool Complete => Traced == Sent && Untraced == 0;
}
