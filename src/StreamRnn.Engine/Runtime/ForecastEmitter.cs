using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// Turns a stepped key's head output into its forecast and emits it: de-normalises the head (through the linear path
/// if configured), scores the forecast made h steps ago now that its target arrived, feeds the live baselines, and
/// writes the prediction to the sink and the prediction observer.
/// </summary>
internal sealed class ForecastEmitter(PipelineDefinition definition, ModelShape shape, KeyStateStore store, LinearCombiner? linear,
    PrequentialScorer scorer, LiveBaselines? baselines, RuntimeTally tally, PipelineMetrics? metrics, long warmupSteps, int horizon)
{
    private readonly KeyStateStore _store = store;
    private readonly LinearCombiner? _linear = linear;
    private readonly PrequentialScorer _scorer = scorer;
    private readonly LiveBaselines? _baselines = baselines;
    private readonly PipelineMetrics? _metrics = metrics;
    private readonly PredictionWriter _writer = new(definition);
    private readonly long _warmupSteps = warmupSteps;
    private readonly int _horizon = horizon;

    /// <summary>Sees each emitted prediction right after the sink does (alert rules); null = none.</summary>
    public IPredictionObserver? Observer { get; set; }

    /// <summary>
    /// The forecast of a step: <paramref name="mean"/> and <paramref name="spread"/> (NaN while the key has no
    /// history). Null when it may be emitted, else why the step must be taken back.
    /// </summary>
    public string? Forecast(StepStatus status, ReadOnlySpan<float> headOutput, in EncodedTarget target, int slot, long step,
        out double mean, out double spread, out ForecastCalibration calibration)
    {
        calibration = ForecastCalibration.Uncalibrated;
        var head = shape.Head;
        mean = double.NaN;
        spread = double.NaN;
        if (status == StepStatus.Ok && target.HasHistory)
        {
            switch (head)
            {
                case HeadKind.Gaussian:
                    mean = target.Mean + target.StandardDeviation * headOutput[0];
                    spread = target.StandardDeviation * HeadOutput.StandardDeviation(headOutput[1]);
                    break;
                case HeadKind.Binary:
                    mean = HeadOutput.Probability(headOutput[0]);
                    break;
                case HeadKind.Categorical:
                    mean = _writer.Classes!.EventProbability(headOutput);
                    break;
                default:
                    mean = target.Mean + target.StandardDeviation * headOutput[0];
                    break;
            }
        }

        if (status != StepStatus.Ok)
        {
            return $"the recurrent step gave {status}; the key's state is unchanged";
        }

        // The linear path sees this step's target, then combines its own forecast with the network's. The interval
        // multipliers: the key's calibrated ones (those the resolved forecast was served with, for scoring).
        if (_linear is not null)
        {
            _linear.Observe(_store.LinearOf(slot), target.Value, out double scored80, out double scored95);
            calibration = calibration with { Scored80 = scored80, Scored95 = scored95 };
            if (target.HasHistory && double.IsFinite(mean))
            {
                _linear.Forecast(_store.LinearOf(slot), target.Mean, target.StandardDeviation, mean, spread,
                    step >= Math.Max(_warmupSteps, 3), out mean, out spread, out double unguarded, out double q80, out double q95);
                calibration = calibration with
                {
                    Q80 = q80,
                    Q95 = q95,
                    Unguarded = _linear.Guarded ? unguarded : double.NaN,
                };
            }
        }

        if (target.HasHistory && (!double.IsFinite(mean) || (head == HeadKind.Gaussian && !double.IsFinite(spread))))
        {
            return "the de-normalised prediction is not finite; the key's state is unchanged";
        }

        return null;
    }

    /// <summary>
    /// Scores the key's due forecast and, if the key has history, emits this step's. Call after the key's state was
    /// updated.
    /// </summary>
    public void Emit(int slot, long step, long eventTime, in EncodedTarget target, in InputRecord record, ModelWeights weights,
        double mean, double spread, in ForecastCalibration calibration, long now, IRecordSink sink)
    {
        // The prediction made h steps ago for this step is scored now, in the key's order.
        var pending = _store.PendingOf(slot).Slice((int)(step % _horizon) * FeatureLayout.PendingWidth,
            FeatureLayout.PendingWidth);
        bool due = !double.IsNaN(pending[0]) && !double.IsNaN(target.Value);
        if (due)
        {
            _scorer.Score(target.Value, pending[0], pending[1], pending[2], calibration.Scored80, calibration.Scored95);
        }

        _baselines?.Step(slot, step, target.Value, due);

        pending[0] = double.NaN;
        if (!target.HasHistory)
        {
            return;
        }

        pending[0] = mean;
        pending[1] = spread;
        pending[2] = target.Baseline;
        _store.LastMean[slot] = mean;
        _store.LastSpread[slot] = spread;
        _store.LastModelVersion[slot] = weights.Version;
        long latencyMs = now - eventTime;
        byte[] key = _store.KeyBytes[slot]!;
        var json = _writer.Write(key, eventTime, weights.Version, mean, spread, target.Raw, step < _warmupSteps, record, latencyMs,
            calibration.Q80, calibration.Q95, calibration.Unguarded);
        sink.Prediction(key, json, record);
        tally.Predictions++;
        Observer?.OnPrediction(new PredictionEvent(_store.Keys[slot]!, eventTime, weights.Version, mean, spread), record, sink);
        if (_metrics is not null)
        {
            _metrics.PredictionsProduced.Inc();
            _metrics.EndToEndLatency.Observe(Math.Max(0, latencyMs) / 1000.0);
        }
    }
}

/// <summary>
/// The interval multipliers of one forecast: <see cref="Q80"/>/<see cref="Q95"/> those it is served with,
/// <see cref="Scored80"/>/<see cref="Scored95"/> those the forecast resolved at this step was served with (for coverage
/// scoring), and <see cref="Unguarded"/> the combination before the linear path's guard (NaN without a guard).
/// </summary>
internal readonly record struct ForecastCalibration(double Q80, double Q95, double Scored80, double Scored95, double Unguarded)
{
    /// <summary>The Gaussian quantiles, no guard: what a forecast without a linear path is served with.</summary>
    public static ForecastCalibration Uncalibrated { get; } =
        new(PredictionWriter.Z80, PredictionWriter.Z95, PredictionWriter.Z80, PredictionWriter.Z95, double.NaN);
}
