using System.Diagnostics;
using StreamRnn.Core;

namespace StreamRnn.Engine;

// Pass 2 of Process: gather a round's keys, step them in one batch, scatter, score, emit predictions, assemble training windows.
public sealed partial class PipelineRuntime
{
    private void StepChunk(ReadOnlySpan<InputRecord> records, IRecordSink sink, ModelWeights weights, int start, int batch)
    {
        int s = _stateSize, n = _inputSize, o = _headSize;
        for (int b = 0; b < batch; b++)
        {
            int e = _order[start + b];
            _store.State(_entrySlot[e]).CopyTo(_batchStates.AsSpan(b * s, s));
            _entryInputs.AsSpan(e * n, n).CopyTo(_batchInputs.AsSpan(b * n, n));
        }

        long began = Stopwatch.GetTimestamp();
        try
        {
            _network.StepBatch(weights, _batchInputs.AsSpan(0, batch * n), _batchStates.AsSpan(0, batch * s),
                _batchHeads.AsSpan(0, batch * o), _statuses.AsSpan(0, batch), batch);
        }
        catch (Exception exception) when (IsRecoverable(exception))
        {
            for (int b = 0; b < batch; b++)
            {
                if (!_undo.IsSkipped(_order[start + b]))
                {
                    QuarantineKey(records, sink, _order[start + b], exception);
                }
            }

            return;
        }

        if (_metrics is not null)
        {
            _metrics.StepLatency.Observe(Stopwatch.GetElapsedTime(began).TotalSeconds);
            _metrics.BatchSize.Observe(batch);
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var head = _shape.Head;
        for (int b = 0; b < batch; b++)
        {
            int e = _order[start + b];
            if (_undo.IsSkipped(e))
            {
                continue;
            }

            try
            {
                int slot = _entrySlot[e];
                ref readonly InputRecord record = ref records[_entryRecord[e]];
                ref readonly EncodedTarget target = ref _entryTarget[e];
                var status = _statuses[b];
                double mean = double.NaN, spread = double.NaN;
                if (status == StepStatus.Ok && target.HasHistory)
                {
                    switch (head)
                    {
                        case HeadKind.Gaussian:
                            mean = target.Mean + target.StandardDeviation * _batchHeads[b * o];
                            spread = target.StandardDeviation * HeadOutput.StandardDeviation(_batchHeads[b * o + 1]);
                            break;
                        case HeadKind.Binary:
                            mean = HeadOutput.Probability(_batchHeads[b * o]);
                            break;
                        default:
                            mean = target.Mean + target.StandardDeviation * _batchHeads[b * o];
                            break;
                    }
                }

                if (status != StepStatus.Ok)
                {
                    UndoStep(records, sink, e, $"the recurrent step gave {status}; the key's state is unchanged");
                    continue;
                }

                // The linear path sees this step's target, then combines its own forecast with the network's. The
                // interval multipliers: the key's calibrated ones (those the resolved forecast was served with, for scoring).
                double q80 = PredictionWriter.Z80, q95 = PredictionWriter.Z95, scored80 = q80, scored95 = q95, unguarded = double.NaN;
                _linear?.Observe(_store.LinearOf(slot), target.Value, out scored80, out scored95);
                if (_linear is not null && target.HasHistory && double.IsFinite(mean))
                {
                    _linear.Forecast(_store.LinearOf(slot), target.Mean, target.StandardDeviation, mean, spread,
                        _entryStep[e] >= Math.Max(_warmupSteps, 3), out mean, out spread, out unguarded, out q80, out q95);
                    unguarded = _linear.Guarded ? unguarded : double.NaN;
                }

                if (target.HasHistory && (!double.IsFinite(mean) || (head == HeadKind.Gaussian && !double.IsFinite(spread))))
                {
                    UndoStep(records, sink, e, "the de-normalised prediction is not finite; the key's state is unchanged");
                    continue;
                }

                if (_windowSteps > 0)
                {
                    // Before the scatter below: a new window starts from the key's state before this step.
                    AssembleWindow(slot, e, target, ok: true);
                }

                _batchStates.AsSpan(b * s, s).CopyTo(_store.StateMutable(slot));

                // The prediction made h steps ago for this step is scored now, in the key's order.
                Span<double> pending = _store.PendingOf(slot).Slice((int)(_entryStep[e] % _horizon) * FeatureLayout.PendingWidth,
                    FeatureLayout.PendingWidth);
                bool due = !double.IsNaN(pending[0]) && !double.IsNaN(target.Value);
                if (due)
                {
                    _scorer.Score(target.Value, pending[0], pending[1], pending[2], scored80, scored95);
                }

                _baselines?.Step(slot, _entryStep[e], target.Value, due);

                pending[0] = double.NaN;
                if (!target.HasHistory)
                {
                    continue;
                }

                pending[0] = mean;
                pending[1] = spread;
                pending[2] = target.Baseline;
                _store.LastMean[slot] = mean;
                _store.LastSpread[slot] = spread;
                _store.LastModelVersion[slot] = weights.Version;
                long latencyMs = now - _entryTime[e];
                var key = _store.KeyBytes[slot]!;
                var json = _writer.Write(key, _entryTime[e], weights.Version, mean, spread, target.Raw, _entryStep[e] < _warmupSteps, record,
                    latencyMs, q80, q95, unguarded);
                sink.Prediction(key, json, record);
                _predictions++;
                _observer?.OnPrediction(new PredictionEvent(_store.Keys[slot]!, _entryTime[e], weights.Version, mean, spread), record, sink);
                if (_metrics is not null)
                {
                    _metrics.PredictionsProduced.Inc();
                    _metrics.EndToEndLatency.Observe(Math.Max(0, latencyMs) / 1000.0);
                }
            }
            catch (Exception exception) when (IsRecoverable(exception))
            {
                QuarantineKey(records, sink, e, exception);
            }
        }
    }

    /// <summary>
    /// Adds step e to its key's training window. Window layout (floats): start state (S), inputs (k × I),
    /// targets (k), weights (k); doubles: μ_t, σ_t of the target at each step. The target of step j is
    /// y_{j+h}, standardised with the statistics of step j (those its prediction was de-normalised with),
    /// <c>z = clamp((y − μ_j) / σ_j, ±10)</c> (raw 0/1 for a Binary head), weight 1; it arrives h steps later, so
    /// the last h steps of a window have weight 0 (targets arriving after the window is handed over are not
    /// used). A failed step drops the partial window.
    /// </summary>
    private void AssembleWindow(int slot, int e, in EncodedTarget target, bool ok)
    {
        if (!ok)
        {
            _store.WindowFill[slot] = 0;
            return;
        }

        int k = _windowSteps, s = _stateSize, n = _inputSize;
        Span<float> floats = _store.WindowFloatsOf(slot);
        Span<double> scales = _store.WindowDoublesOf(slot);
        Span<float> inputs = floats.Slice(s, k * n);
        Span<float> targets = floats.Slice(s + k * n, k);
        Span<float> weights = floats.Slice(s + k * n + k, k);
        int fill = _store.WindowFill[slot];
        if (fill == 0)
        {
            _store.State(slot).CopyTo(floats[..s]);
            targets.Clear();
            weights.Clear();
        }

        _entryInputs.AsSpan(e * n, n).CopyTo(inputs.Slice(fill * n, n));
        scales[2 * fill] = target.Mean;
        scales[2 * fill + 1] = target.StandardDeviation;
        int j = fill - _horizon;
        if (j >= 0 && double.IsFinite(target.Value))
        {
            double z = _shape.Head == HeadKind.Binary ? target.Value
                : Math.Clamp((target.Value - scales[2 * j]) / scales[2 * j + 1], -RunningStatistics.ZLimit, RunningStatistics.ZLimit);
            targets[j] = (float)z;
            weights[j] = 1;
        }

        if (++fill == k)
        {
            fill = 0;
            _windowsCompleted++;
            var trainer = _trainer;
            if (trainer is not null)
            {
                var window = trainer.Pool.Rent();
                floats[..s].CopyTo(window.StartState);
                inputs.CopyTo(window.Inputs);
                targets.CopyTo(window.Targets);
                weights.CopyTo(window.TargetWeights);
                trainer.Submit(window);
            }
        }

        _store.WindowFill[slot] = fill;
    }
}
