using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Scoring;

namespace StreamRnn.Daemon.Backtest;

/// <summary>Everything a replay produced, before scoring.</summary>
/// <param name="EngineSummary">The runtime's own prequential accuracy (the numbers the daemon's metrics carry).</param>
/// <param name="FinalWeights">The champion at the end of the last pass (the start weights without training).</param>
internal sealed record BacktestResult(
    BacktestSettings Settings,
    PipelineDefinition Definition,
    BacktestInput Input,
    BacktestSink Sink,
    PipelineCounters Counters,
    PrequentialSummary EngineSummary,
    TrainingSummary Training,
    TimeSpan Elapsed,
    ModelWeights FinalWeights);
