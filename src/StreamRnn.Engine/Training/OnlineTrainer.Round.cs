using System.Diagnostics;
using System.Numerics.Tensors;
using StreamRnn.Core;

namespace StreamRnn.Engine;

// The training loop: one round drains the queue, trains a candidate with TBPTT and hands it to the promotion policy.
public sealed partial class OnlineTrainer
{
    private TrainingRoundResult RunRoundCore()
    {
        TrainingRoundResult result;
        lock (_roundGate)
        {
            long round = Interlocked.Read(ref _roundsCompleted) + 1;
            long started = Stopwatch.GetTimestamp();
            try
            {
                result = TrainOnce(round, started);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Whatever made the round throw may sit in the windows it held; keeping them would fail every
                // later round too, so the round's windows are discarded and the next round starts afresh.
                Interlocked.Increment(ref _faults);
                DiscardWindows();
                result = new TrainingRoundResult(round, RoundOutcome.Failed, null, 0, 0, double.NaN, double.NaN, double.NaN,
                    _registry.Current.Version, Stopwatch.GetElapsedTime(started), exception);
            }

            Interlocked.Increment(ref _roundsCompleted);

            // Published under the round lock so observers see rounds one at a time and in order.
            try
            {
                _rounds.OnNext(result);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // An observer's failure must not stop training; it is visible as a fault.
                Interlocked.Increment(ref _faults);
            }

            // Only now, with a promoted version stored by the observers, do the round's windows count as trained.
            // Windows pass queue → hold-back → training list in sequence order, so the oldest still held bounds them.
            long oldest = _trainingCount > 0 ? _training[0].Sequence
                : _holdBackCount > 0 ? _holdBack[_holdBackStart].Sequence
                : Queue.OldestOrNextSequence;
            Interlocked.Exchange(ref _trainedThrough, Math.Max(Interlocked.Read(ref _trainedThrough), oldest - 1));
        }

        return result;
    }

    /// <summary>
    /// On the trainer thread, rests after each mini-batch so that training uses at most MaxCpuShare of a core
    /// (rounds run by <see cref="RunRound"/> on a caller's thread, e.g. a backtest, do not rest).
    /// </summary>
    private void RestForDutyCycle()
    {
        double share = _options.MaxCpuShare;
        if (_lastBatchTicks <= 0 || share >= 1 || !ReferenceEquals(Thread.CurrentThread, _thread))
        {
            return;
        }

        var rest = TimeSpan.FromSeconds(_lastBatchTicks / (double)Stopwatch.Frequency * (1 - share) / share);
        _stopping.Token.WaitHandle.WaitOne(rest);
    }

    private void Run()
    {
        var token = _stopping.Token;
        while (true)
        {
            try
            {
                _signal.Wait(token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Triggers that piled up during the last round are one request: train on what is there now.
            while (_signal.Wait(0))
            {
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            RunRoundCore();
        }
    }

    private TrainingRoundResult TrainOnce(long round, long started)
    {
        var champion = _registry.Current;
        DrainQueue();

        if (!_merger.Trains)
        {
            return Finish(round, started, RoundOutcome.Skipped, null, 0, 0, double.NaN, double.NaN, double.NaN);
        }

        _bptt ??= new BackpropagationThroughTime(_shape, _options.WindowSteps);
        champion = MergeReceived(champion);

        int batch = _options.BatchWindows;
        if (_trainingCount < batch)
        {
            return Finish(round, started, RoundOutcome.Skipped, null, 0, 0, double.NaN, double.NaN, double.NaN);
        }

        champion.Parameters.CopyTo(_parameters);
        _adam ??= new Adam(_shape.ParameterCount, (float)_options.LearningRate, weightDecay: (float)_options.WeightDecay);
        if (!ReferenceEquals(_momentsOwner, champion))
        {
            Array.Clear(_gradient);
            _adam.Restore(0, _gradient, _gradient);
            _momentsOwner = champion;
        }

        _adam.FirstMoment.CopyTo(_savedFirstMoment);
        _adam.SecondMoment.CopyTo(_savedSecondMoment);
        _savedAdamSteps = _adam.StepCount;

        int steps = 0;
        int trained = 0;
        double lossSum = 0;
        double weightSum = 0;
        bool finite = true;
        int consumed = 0;
        while (finite && _trainingCount - consumed >= batch)
        {
            RestForDutyCycle();
            long batchStarted = Stopwatch.GetTimestamp();
            _lastBatchTicks = 0;
            _scratch ??= ModelWeights.CreateScratch(_shape);
            _scratch.Overwrite(_parameters, champion.Version);
            var view = _scratch;
            Array.Clear(_gradient);
            double batchLoss = 0;
            double batchWeight = 0;
            for (int i = consumed; i < consumed + batch; i++)
            {
                var window = _training[i];
                batchLoss += _bptt.Accumulate(view, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                    _gradient, out double windowWeight);
                batchWeight += windowWeight;
            }

            consumed += batch;
            trained += batch;
            if (batchWeight <= 0)
            {
                continue;
            }

            GradientHook?.Invoke(_gradient);
            lossSum += batchLoss;
            weightSum += batchWeight;
            TensorPrimitives.Multiply(_gradient, (float)(1.0 / batchWeight), _gradient);
            float norm = GradientClipping.ClipByGlobalNorm(_gradient, (float)_options.GradientClipNorm);
            if (!double.IsFinite(batchLoss) || float.IsNaN(norm))
            {
                finite = false;
                break;
            }

            _adam.LearningRate = (float)_options.LearningRateAt(_optimizerSteps);
            _adam.Step(_parameters, _gradient);
            _optimizerSteps++;
            steps++;
            finite = TensorPrimitives.IsFiniteAll<float>(_parameters);
            _lastBatchTicks = Stopwatch.GetTimestamp() - batchStarted;
        }

        // After a non-finite step the round's remaining windows are spent too: the next round starts from the
        // champion on fresh windows instead of replaying a backlog.
        ReleaseTraining(finite ? consumed : _trainingCount);
        Interlocked.Add(ref _windowsTrained, trained);
        double trainingLoss = weightSum > 0 ? lossSum / weightSum : double.NaN;
        if (double.IsFinite(trainingLoss))
        {
            _lossMetric?.Set(trainingLoss);
        }

        if (!finite)
        {
            return Reject(round, started, NonFinite, trained, steps, trainingLoss, double.NaN, double.NaN);
        }

        if (steps == 0)
        {
            return Finish(round, started, RoundOutcome.Skipped, null, trained, 0, trainingLoss, double.NaN, double.NaN);
        }

        var candidate = ModelWeights.FromParameters(_shape, _parameters, _registry.NextVersion);
        var verdict = Validate(candidate, champion, out double candidateLoss, out double championLoss);
        if (verdict >= 0)
        {
            return Reject(round, started, verdict, trained, steps, trainingLoss, candidateLoss, championLoss);
        }

        var promotion = _registry.TryPromote(candidate, ModelSource.Trained, champion, trained, candidateLoss, championLoss);
        if (promotion is null)
        {
            return Reject(round, started, Superseded, trained, steps, trainingLoss, candidateLoss, championLoss);
        }

        _momentsOwner = promotion.Weights;
        _windowsSinceMerge += trained;
        return Finish(round, started, RoundOutcome.Promoted, null, trained, steps, trainingLoss, candidateLoss, championLoss);
    }
}
