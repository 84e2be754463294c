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
/// <remarks>
/// With Target:Horizons (K horizons h_1 &lt; … &lt; h_K) the head gives K forecasts: the top-level fields are the first
/// horizon's, and <c>horizons</c> lists all of them. A key's pending forecasts are a ring of h_K entries (one per step, K
/// triples each); horizon k's forecast made at step s is scored at step s + h_k against y_k (the pipeline's prequential
/// metrics follow the first horizon; streamrnn_prequential_horizon_* and the accuracy endpoint's horizons carry each
/// horizon, model beside persistence and live baselines fed y_k; the backtest scores every horizon from the prediction
/// records).
/// </remarks>
internal sealed class ForecastEmitter(PipelineDefinition definition, ModelShape shape, KeyStateStore store, LinearCombiner? linear,
    PrequentialScorer scorer, LiveBaselines? baselines, RuntimeTally tally, PipelineMetrics? metrics, long warmupSteps, int horizon)
{
    private readonly int[] _horizons = definition.Target.HorizonList();
    private readonly int _ring = definition.Target.MaxHorizon;
    private readonly bool _multi = definition.Target.Horizons is not null;
    private readonly long _warmupBase = warmupSteps - (definition.Target.Transform is TargetTransform.Difference or TargetTransform.LogReturn ? horizon : 0);
    private readonly bool _changeTarget = definition.Target.Transform is TargetTransform.Difference or TargetTransform.LogReturn;

    // Per horizon of the step being emitted: mean, spread (Target:Horizons only).
    private readonly double[] _forecasts = new double[2 * definition.Target.HorizonList().Length];
    private readonly bool[] _warmingUp = new bool[definition.Target.HorizonList().Length];

    private readonly KeyStateStore _store = store;
    private readonly LinearCombiner? _linear = linear;
    private readonly PrequentialScorer _scorer = scorer;
    private readonly LiveBaselines? _baselines = baselines;
    private readonly PipelineMetrics? _metrics = metrics;
    private readonly PredictionWriter _writer = new(definition);
    private readonly long _warmupSteps = warmupSteps;
    private readonly int _horizon = horizon;

    private readonly double[] _scratchPending = new double[FeatureLayout.PendingWidth];
    // Per horizon (Target:Horizons): its model/persistence scorer and live baselines, each counted in its own
    // streamrnn_prequential_horizon_* series ([0]'s baselines are the pipeline's, also counted per horizon).
    private readonly (PrequentialScorer[] Scorers, LiveBaselines?[] Baselines) _perHorizon = PerHorizon(definition, shape, baselines, metrics);

    /// <summary>Sees each emitted prediction right after the sink does (alert rules); null = none.</summary>
    public IPredictionObserver? Observer { get; set; }

    /// <summary>
    /// The forecast of a step: <paramref name="mean"/> and <paramref name="spread"/> (NaN while the key has no
    /// history). Null when it may be emitted, else why the step must be taken back.
    /// </summary>
    public string? Forecast(StepStatus status, ReadOnlySpan<float> headOutput, in EncodedTarget target, int slot, long step,
        out double mean, out double spread, out ForecastCalibration calibration) =>
        Forecast(status, headOutput, target, [], slot, step, out mean, out spread, out calibration);

    /// <summary>As above; with Target:Horizons also de-normalises every horizon's forecast with its own statistics.</summary>
    public string? Forecast(StepStatus status, ReadOnlySpan<float> headOutput, in EncodedTarget target, ReadOnlySpan<double> horizonTargets,
        int slot, long step, out double mean, out double spread, out ForecastCalibration calibration)
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
                    spread = target.StandardDeviation * HeadOutput.StandardDeviation(headOutput[shape.Horizons]);
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

        return _multi && status == StepStatus.Ok && target.HasHistory ? ForecastHorizons(headOutput, horizonTargets) : null;
    }

    /// <summary>
    /// Scores horizons 2..K's forecasts due at this step (made h_k steps ago) against y_k, each with its own scorer, and
    /// steps each horizon's live baselines with y_k.
    /// </summary>
    private void ResolveHorizons(int slot, long step, in EncodedTarget target, ReadOnlySpan<double> horizonTargets)
    {
        int width = FeatureLayout.PendingWidth * _horizons.Length;
        for (int k = 1; k < _horizons.Length; k++)
        {
            double y = horizonTargets[3 * k];
            bool scored = false;
            if (step >= _horizons[k])
            {
                var due = _store.PendingOf(slot).Slice((int)((step - _horizons[k]) % _ring) * width + FeatureLayout.PendingWidth * k,
                    FeatureLayout.PendingWidth);
                if (!double.IsNaN(due[0]) && !double.IsNaN(y))
                {
                    _perHorizon.Scorers[k].Score(y, due[0], due[1], due[2], PredictionWriter.Z80, PredictionWriter.Z95);
                    scored = true;
                }

                due[0] = double.NaN;
            }

            _perHorizon.Baselines[k]?.Step(slot, step, y, scored);
        }
    }

    /// <summary>
    /// Per horizon, its scorer and its live baselines (the pipeline's for the first, also counted per horizon; own ones
    /// for the rest), both counted in that horizon's error series (Target:Horizons with metrics; else none).
    /// </summary>
    private static (PrequentialScorer[] Scorers, LiveBaselines?[] Baselines) PerHorizon(PipelineDefinition definition, ModelShape shape,
        LiveBaselines? baselines, PipelineMetrics? metrics)
    {
        int[] horizons = definition.Target.HorizonList();
        var scorers = new PrequentialScorer[horizons.Length];
        var list = new LiveBaselines?[horizons.Length];
        for (int k = 0; k < horizons.Length; k++)
        {
            var counters = definition.Target.Horizons is null || metrics is null ? null : metrics.HorizonErrors(horizons[k], baselines?.Names ?? []);
            scorers[k] = new PrequentialScorer(shape.Head, null, counters);
            if (k == 0)
            {
                baselines?.CountHorizon(counters);
                list[0] = baselines;
            }
            else
            {
                list[k] = LiveBaselines.ForHorizon(definition, horizons[k], counters);
            }
        }

        return (scorers, list);
    }

    /// <summary>
    /// Prequential accuracy per horizon (Target:Horizons), each with its live baselines: the first is the pipeline's
    /// scorer's, then one per later horizon.
    /// </summary>
    public PrequentialSummary[] HorizonSummaries()
    {
        var summaries = new PrequentialSummary[_horizons.Length];
        summaries[0] = _scorer.Summary() with { Baselines = _baselines?.Summary() ?? [] };
        for (int k = 1; k < summaries.Length; k++)
        {
            summaries[k] = _perHorizon.Scorers[k].Summary() with { Baselines = _perHorizon.Baselines[k]?.Summary() ?? [] };
        }

        return summaries;
    }

    /// <summary>Every horizon's de-normalised forecast into <see cref="_forecasts"/>; NaN for a horizon without statistics yet.</summary>
    private string? ForecastHorizons(ReadOnlySpan<float> headOutput, ReadOnlySpan<double> horizonTargets)
    {
        int horizons = shape.Horizons;
        bool gaussian = shape.Head == HeadKind.Gaussian;
        for (int k = 0; k < horizons; k++)
        {
            double mu = horizonTargets[3 * k + 1], sigma = horizonTargets[3 * k + 2];
            double mean = mu + sigma * headOutput[k];
            double spread = gaussian ? sigma * HeadOutput.StandardDeviation(headOutput[horizons + k]) : double.NaN;
            if (!double.IsNaN(mu) && (!double.IsFinite(mean) || (gaussian && !double.IsFinite(spread))))
            {
                return "the de-normalised prediction is not finite; the key's state is unchanged";
            }

            _forecasts[2 * k] = mean;
            _forecasts[2 * k + 1] = spread;
        }

        return null;
    }

    /// <summary>
    /// Scores the key's due forecast and, if the key has history, emits this step's. Call after the key's state was
    /// updated.
    /// </summary>
    public void Emit(int slot, long step, long eventTime, in EncodedTarget target, in InputRecord record, ModelWeights weights,
        double mean, double spread, in ForecastCalibration calibration, long now, IRecordSink sink) =>
        Emit(slot, step, eventTime, target, [], record, weights, mean, spread, calibration, now, sink);

    /// <summary>As above, with the step's horizon targets (Target:Horizons; empty otherwise).</summary>
    public void Emit(int slot, long step, long eventTime, in EncodedTarget target, ReadOnlySpan<double> horizonTargets, in InputRecord record,
        ModelWeights weights, double mean, double spread, in ForecastCalibration calibration, long now, IRecordSink sink)
    {
        if (_multi)
        {
            ResolveHorizons(slot, step, target, horizonTargets);
        }

        // The prediction made h steps ago for this step is scored now, in the key's order.
        int width = FeatureLayout.PendingWidth * _horizons.Length;
        Span<double> pending;
        if (!_multi)
        {
            pending = _store.PendingOf(slot).Slice((int)(step % _horizon) * FeatureLayout.PendingWidth, FeatureLayout.PendingWidth);
        }
        else if (step >= _horizon)
        {
            // The first horizon's due forecast was made h_1 steps ago, in the ring entry of that step.
            pending = _store.PendingOf(slot).Slice((int)((step - _horizon) % _ring) * width, FeatureLayout.PendingWidth);
        }
        else
        {
            _scratchPending.AsSpan().Fill(double.NaN);
            pending = _scratchPending;
        }

        bool due = !double.IsNaN(pending[0]) && !double.IsNaN(target.Value);
        if (due)
        {
            _scorer.Score(target.Value, pending[0], pending[1], pending[2], calibration.Scored80, calibration.Scored95);
            if (_multi)
            {
                // The first horizon's per-horizon series (its summary is the pipeline scorer's).
                _perHorizon.Scorers[0].Score(target.Value, pending[0], pending[1], pending[2], calibration.Scored80, calibration.Scored95);
            }
        }

        _baselines?.Step(slot, step, target.Value, due);

        pending[0] = double.NaN;
        if (_multi)
        {
            // This step's K forecasts go into its own ring entry (read back h_k steps later).
            var entry = _store.PendingOf(slot).Slice((int)(step % _ring) * width, width);
            entry.Fill(double.NaN);
            pending = entry[..FeatureLayout.PendingWidth];
            if (target.HasHistory)
            {
                for (int k = 1; k < _horizons.Length; k++)
                {
                    entry[FeatureLayout.PendingWidth * k] = _forecasts[2 * k];
                    entry[FeatureLayout.PendingWidth * k + 1] = _forecasts[2 * k + 1];
                    entry[FeatureLayout.PendingWidth * k + 2] = target.Baseline;
                }
            }
        }

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
        if (_multi)
        {
            // The first horizon's forecast is the served one (the linear path is off with Target:Horizons).
            _forecasts[0] = mean;
            _forecasts[1] = spread;
            for (int k = 0; k < _horizons.Length; k++)
            {
                _warmingUp[k] = step < _warmupBase + (_changeTarget ? _horizons[k] : 0);
            }

            _writer.SetHorizons(_forecasts, _warmingUp);
        }

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
