using StreamRnn.Engine.Records;

namespace StreamRnn.Engine.Alerts;

/// <summary>
/// Sees every prediction a <see cref="PipelineRuntime"/> emits, right after it went to the sink, on the runtime's
/// thread and inside its Process call, so whatever the observer writes to <paramref name="sink"/> travels with the
/// prediction (same batch, same transaction). Alert rules are the observer in the daemon and the backtest.
/// </summary>
public interface IPredictionObserver
{
    /// <param name="prediction">The prediction.</param>
    /// <param name="source">The record it was made for (valid only during the call).</param>
    /// <param name="sink">The sink of the current Process call (valid only during the call).</param>
    void OnPrediction(in PredictionEvent prediction, in InputRecord source, IRecordSink sink);
}
