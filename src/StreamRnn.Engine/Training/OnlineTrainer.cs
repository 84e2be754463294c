using System.Diagnostics;
using System.Numerics.Tensors;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using Prometheus;
using StreamRnn.Core;

namespace StreamRnn.Engine;

/// <summary>
/// Online retraining of one pipeline with truncated BPTT, on its own thread, safe to leave on: the runtime only
/// hands over completed windows (<see cref="Submit"/>, never waits), and a new version reaches inference only
/// through <see cref="ModelRegistry"/> after it has beaten the champion on recent held-back windows.
/// </summary>
/// <remarks>
/// <para>When: a round is triggered (System.Reactive, on the injected scheduler) every TrainEveryWindows submitted
/// windows or every TrainEveryInterval, whichever comes first (each trigger restarts both), once WarmupWindows
/// windows have arrived; a time trigger with no new window does nothing. Triggers that arrive during a round
/// collapse into one.</para>
/// <para>A round: queued windows pass, oldest first, through a rolling hold-back set of the newest HoldBackWindows
/// windows; a window pushed out of it is trained on (so every window validates before it trains, and never both at
/// once). Training runs in mini-batches of B windows on a copy θ of the champion's parameters:
/// g = (Σ_w ∇L_w(θ)) / Σ_w Σ_t weight_w,t;  g ← g · min(1, c / ‖g‖₂);  θ ← Adam(θ, g, η_t).
/// Fewer than B windows wait for the next round. The candidate (θ, version = registry's next) is promoted iff every
/// parameter and its held-back loss are finite and L_candidate ≤ L_champion + tolerance · |L_champion|, with
/// L = Σ loss / Σ weight over the hold-back set; otherwise it is rejected as "non_finite" or "worse" ("no_validation"
/// when the hold-back windows carry no target, "superseded" when the champion changed during the round).</para>
/// <para>Optimiser state follows the champion: Adam's moments (and its bias-correction step count) are saved at the
/// start of a round and put back when the candidate is rejected, so a discarded (possibly non-finite) trajectory
/// leaves no trace; when the candidate is promoted they carry on with it. When the champion was changed by someone
/// else (a merge, an adoption, a restore) or a round failed, the moments describe no trajectory that led to it and
/// restart from zero. The schedule's step count t counts every step taken and is never reset.</para>
/// <para>Multi-instance: in Merge mode, versions received through <see cref="Receive"/> are averaged with the
/// champion (weights = windows trained, see <see cref="ModelMerger"/>) at the start of the next round and the
/// average is validated like any candidate; in Follow mode a non-leader does not train and adopts the leader's
/// versions as they arrive.</para>
/// </remarks>
public sealed class OnlineTrainer : IDisposable
{
    /// <summary>Label values of streamrnn_model_rejections_total.</summary>
    public static readonly string[] RejectionReasons = ["non_finite", "worse", "no_validation", "superseded"];

    private const int NonFinite = 0;
    private const int Worse = 1;
    private const int NoValidation = 2;
    private const int Superseded = 3;

    private readonly TrainingOptions _options;
    private readonly ModelRegistry _registry;
    private readonly ModelMerger _merger;
    private readonly ModelShape _shape;
    private readonly Lock _roundGate = new();
    private readonly Lock _arrivalGate = new();
    /// <summary>Most instances whose received versions a Merge-mode trainer keeps between rounds.</summary>
    public const int MaxReceivedInstances = 256;

    private readonly Lock _receivedGate = new();
    private readonly Subject<Unit> _arrivals = new();
    private readonly Subject<TrainingRoundResult> _rounds = new();
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ModelContribution> _received = [];
    private readonly IScheduler _scheduler;
    private readonly long[] _rejections = new long[4];
    private readonly Counter.Child[]? _rejectionMetrics;
    private readonly Gauge.Child? _lossMetric;

    // Trainer-thread state (guarded by _roundGate).
    private readonly TrainingWindow[] _holdBack;
    private readonly TrainingWindow[] _training;
    private readonly float[] _parameters;
    private readonly float[] _gradient;
    private readonly float[] _savedFirstMoment;
    private readonly float[] _savedSecondMoment;
    private long _savedAdamSteps;
    private BackpropagationThroughTime? _bptt;
    private ModelWeights? _scratch;
    private Adam? _adam;
    private ModelWeights? _momentsOwner;
    private int _holdBackStart;
    private int _holdBackCount;
    private int _trainingCount;
    private long _optimizerSteps;
    private long _windowsSinceMerge;

    private WindowJournal? _journal;
    private long _journaledThrough = long.MaxValue;
    private long _trainedThrough;
    private long _held;
    private long _windowsRecovered;
    private long _journalFailures;

    private IDisposable? _trigger;
    private Thread? _thread;
    private long _roundsTriggered;
    private long _roundsCompleted;
    private long _lastBatchTicks;
    private long _windowsTrained;
    private long _faults;
    private bool _disposed;
    private readonly ClassWeighting? _classWeighting;

    /// <param name="pipeline">Pipeline name, for metrics labels, the thread name and error messages.</param>
    /// <param name="options">Validated here; errors name "Pipelines:&lt;pipeline&gt;:Training:&lt;Setting&gt;".</param>
    /// <param name="registry">The pipeline's champion; its shape fixes the window shape.</param>
    /// <param name="scheduler">Drives the time trigger (a HistoricalScheduler in tests, DefaultScheduler in the daemon).</param>
    /// <param name="metrics">Optional metrics; the same registry's pipeline series are reused.</param>
    /// <param name="instanceId">This instance's id, compared with <see cref="TrainingOptions.Leader"/>.</param>
    public OnlineTrainer(string pipeline, TrainingOptions options, ModelRegistry registry, IScheduler scheduler,
        StreamRnnMetrics? metrics = null, string instanceId = "local")
    {
        ArgumentException.ThrowIfNullOrEmpty(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.EnsureValid($"Pipelines:{pipeline}:Training");
        Pipeline = pipeline;
        _options = options;
        _registry = registry;
        _scheduler = scheduler;
        _shape = registry.Shape;
        _merger = new ModelMerger(options.Mode, instanceId, options.Leader);
        _classWeighting = ClassWeighting.Create(options, _shape.Head);

        var pipelineMetrics = metrics?.ForPipeline(pipeline);
        _lossMetric = pipelineMetrics?.TrainingLoss;
        if (metrics is not null)
        {
            _rejectionMetrics = new Counter.Child[RejectionReasons.Length];
            for (int i = 0; i < RejectionReasons.Length; i++)
            {
                _rejectionMetrics[i] = metrics.ModelRejections.WithLabels(pipeline, RejectionReasons[i]);
            }
        }

        int inFlight = options.QueueCapacity + options.HoldBackWindows + options.BatchWindows;
        Pool = new TrainingWindowPool(_shape.StateSize, _shape.InputSize, options.WindowSteps, inFlight + 64);
        Queue = new WindowQueue(options.QueueCapacity, pipelineMetrics);
        _holdBack = new TrainingWindow[options.HoldBackWindows];
        _training = new TrainingWindow[options.QueueCapacity + options.BatchWindows];
        _parameters = new float[_shape.ParameterCount];
        _gradient = new float[_shape.ParameterCount];
        _savedFirstMoment = new float[_shape.ParameterCount];
        _savedSecondMoment = new float[_shape.ParameterCount];
    }

    public string Pipeline { get; }

    /// <summary>Where the runtime rents the windows it fills and then passes to <see cref="Submit"/>.</summary>
    public TrainingWindowPool Pool { get; }

    /// <summary>The windows waiting for the next round.</summary>
    public WindowQueue Queue { get; }

    /// <summary>Merge mode: versions received from other instances waiting for the next round (at most <see cref="MaxReceivedInstances"/>).</summary>
    public int ReceivedPending
    {
        get
        {
            lock (_receivedGate)
            {
                return _received.Count;
            }
        }
    }

    /// <summary>False on a Follow-mode non-leader, which adopts versions instead of training.</summary>
    public bool Trains => _merger.Trains;

    /// <summary>Every finished round, raised in order on the thread that ran it (observers must be quick: log, count).</summary>
    public IObservable<TrainingRoundResult> Rounds => _rounds.AsObservable();

    public long RoundsTriggered => Interlocked.Read(ref _roundsTriggered);
    public long RoundsCompleted => Interlocked.Read(ref _roundsCompleted);

    /// <summary>Windows consumed by optimiser steps since creation.</summary>
    public long WindowsTrained => Interlocked.Read(ref _windowsTrained);

    /// <summary>Rounds that threw (the trainer carried on).</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>Windows not yet trained: queued, held back for validation, or waiting for a mini-batch.</summary>
    public long WindowsInFlight => Queue.Count + Interlocked.Read(ref _held);

    /// <summary>Windows read back from the journal at start (see <see cref="AttachJournal"/>).</summary>
    public long WindowsRecovered => Interlocked.Read(ref _windowsRecovered);

    /// <summary>Every window with a sequence at most this is trained (or was dropped by the queue's bound).</summary>
    public long TrainedThrough => Interlocked.Read(ref _trainedThrough);

    /// <summary>Checkpoints whose journal write failed (the windows of those checkpoints are not durable).</summary>
    public long JournalFailures => Interlocked.Read(ref _journalFailures);

    /// <summary>The last journal write error, for logs; null if none.</summary>
    public Exception? LastJournalError { get; private set; }

    /// <summary>
    /// Test seam: sees (and may alter) each mini-batch's summed gradient before it is normalised and clipped, so tests
    /// can inject non-finite gradients that real inputs cannot produce (the core rejects non-finite inputs).
    /// </summary>
    internal Action<Span<float>>? GradientHook { get; set; }

    /// <summary>Test seam: Adam's step count and a copy of its first moment (empty before the first training round).</summary>
    internal (long Steps, float[] FirstMoment) OptimizerState()
    {
        lock (_roundGate)
        {
            return _adam is null ? (0, []) : (_adam.StepCount, _adam.FirstMoment.ToArray());
        }
    }

    /// <summary>Windows currently held back for validation.</summary>
    public int HoldBackCount
    {
        get
        {
            lock (_roundGate)
            {
                return _holdBackCount;
            }
        }
    }

    /// <summary>Candidates rejected for <paramref name="reason"/> (one of <see cref="RejectionReasons"/>).</summary>
    public long Rejections(string reason)
    {
        int index = Array.IndexOf(RejectionReasons, reason);
        if (index < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, $"Reasons are {string.Join(", ", RejectionReasons)}.");
        }

        return Interlocked.Read(ref _rejections[index]);
    }

    /// <summary>
    /// Makes the windows in flight durable: first recovers what <paramref name="journal"/> holds that is not yet
    /// trained (queued again, oldest first, with their sequences), then, from now on, the trainer only takes windows
    /// that a <see cref="Checkpoint"/> has journaled. Call once, before <see cref="Start"/> and before any window is
    /// submitted. The journal stays the caller's to dispose (after this trainer).
    /// </summary>
    /// <returns>The number of windows recovered.</returns>
    public int AttachJournal(WindowJournal journal, Action<string, string>? problem = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_journal is not null || _thread is not null || Queue.Enqueued > 0)
        {
            throw new InvalidOperationException("A journal is attached once, before the trainer starts and before any window arrives.");
        }

        if (journal.StateSize != _shape.StateSize || journal.InputSize != _shape.InputSize || journal.Steps != _options.WindowSteps)
        {
            throw new ArgumentException("The journal's window shape differs from the trainer's.", nameof(journal));
        }

        var (recovered, last) = journal.Recover(Pool, window => Queue.EnqueueRecovered(window), problem);
        Queue.ContinueAfter(last);
        _trainedThrough = journal.TrainedThrough;
        _journaledThrough = last;
        _windowsRecovered = recovered;
        _journal = journal;
        return recovered;
    }

    /// <summary>
    /// Journals the windows queued since the last checkpoint and the trained-through watermark, then lets the trainer
    /// take them. The runtime calls it before offsets are committed (<see cref="PipelineRuntime.FlushChangelog"/>), on
    /// the thread that submits windows. Without a journal it does nothing. A failed write is counted
    /// (<see cref="JournalFailures"/>) and training goes on: inference and training never stop for the journal.
    /// </summary>
    public void Checkpoint()
    {
        var journal = _journal;
        if (journal is null || Volatile.Read(ref _disposed))
        {
            return;
        }

        var appender = new JournalAppender(journal);
        long newest = Queue.VisitNewerThan(Volatile.Read(ref _journaledThrough), ref appender);
        int journaled = appender.Count;
        try
        {
            journal.Write();
            journal.MarkTrained(Interlocked.Read(ref _trainedThrough));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _journalFailures);
            LastJournalError = exception;
        }

        Volatile.Write(ref _journaledThrough, newest);
        Arrived(journaled);
    }

    private struct JournalAppender(WindowJournal journal) : IWindowVisitor
    {
        public int Count { get; private set; }

        public void Visit(TrainingWindow window)
        {
            journal.Append(window);
            Count++;
        }
    }

    /// <summary>
    /// Subscribes the trigger and starts the trainer thread (below-normal priority, so on a busy machine inference
    /// threads get the cores first).
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_thread is not null)
        {
            throw new InvalidOperationException("The trainer is already started.");
        }

        StartTrigger();
        _thread = new Thread(Run)
        {
            Name = $"streamrnn-trainer-{Pipeline}",
            IsBackground = true,
            Priority = ThreadPriority.BelowNormal,
        };
        _thread.Start();
    }

    /// <summary>
    /// Subscribes only the trigger, without a thread: triggers are counted in <see cref="RoundsTriggered"/> and
    /// rounds are run by calling <see cref="RunRound"/> (backtests that train in lock-step with the replay).
    /// </summary>
    public void StartTrigger()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_trigger is not null)
        {
            return;
        }

        _trigger = _arrivals
            .Window(_options.TrainEveryInterval, _options.TrainEveryWindows, _scheduler)
            .SelectMany(window => window.Count())
            .Where(arrived => arrived > 0 && Queue.Enqueued >= _options.WarmupWindows)
            .Subscribe(
                _ =>
                {
                    Interlocked.Increment(ref _roundsTriggered);
                    _signal.Release();
                },
                _ => Interlocked.Increment(ref _faults));

        // Windows recovered from the journal arrive now, so they count toward the next round like new ones.
        Arrived((int)Math.Min(int.MaxValue, Interlocked.Read(ref _windowsRecovered)));
    }

    /// <summary>
    /// Hands a filled window (rented from <see cref="Pool"/>) to the trainer; the trainer owns it from now on.
    /// Never blocks on training. Returns false when the window was not kept as is: the queue had to drop its
    /// oldest window, or this instance does not train (the window went straight back to the pool).
    /// </summary>
    public bool Submit(TrainingWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.StateSize != _shape.StateSize || window.InputSize != _shape.InputSize || window.Steps != _options.WindowSteps)
        {
            throw new ArgumentException("The window's shape differs from the trainer's: rent windows from its Pool.", nameof(window));
        }

        if (!_merger.Trains || Volatile.Read(ref _disposed))
        {
            // A follower does not train, and a stopped trainer takes nothing: the runtime may still be flushing.
            window.Return();
            return false;
        }

        bool kept = Queue.Enqueue(window);
        if (_journal is null)
        {
            Arrived(1);
        }

        // With a journal, a window arrives for the trigger when it is journaled (Checkpoint): the trainer cannot take
        // it before, and a round triggered for windows it may not take would wait for the next trigger.
        return kept;
    }

    private void Arrived(int windows)
    {
        lock (_arrivalGate)
        {
            // Rx needs serialised notifications; producers may be several consumer threads.
            for (int i = 0; i < windows && !_disposed; i++)
            {
                _arrivals.OnNext(Unit.Default);
            }
        }
    }

    /// <summary>
    /// A version published by another instance (from the model topic). Follow mode: adopted at once if it is the
    /// leader's and newer. Merge mode: kept (the newest per instance, at most <see cref="MaxReceivedInstances"/>
    /// instances) and averaged in at the start of the next round. Local mode: ignored.
    /// Thread-safe.
    /// </summary>
    public void Receive(ModelContribution contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        switch (_options.Mode)
        {
            case TrainingMode.Follow:
                var champion = _registry.Current;
                var adopted = _merger.Combine(new ModelContribution(_merger.InstanceId, champion, 0), [contribution], _registry.NextVersion);
                if (adopted is not null)
                {
                    _registry.TryPromote(adopted, ModelSource.Followed, champion);
                }

                break;

            case TrainingMode.Merge:
                lock (_receivedGate)
                {
                    // Bounded: only the newest version of each instance is averaged in, so only that one is kept, and
                    // at most MaxReceivedInstances instances (a flood of records cannot grow memory between rounds).
                    int index = _received.FindIndex(c => string.Equals(c.InstanceId, contribution.InstanceId, StringComparison.Ordinal));
                    if (index >= 0)
                    {
                        if (contribution.Weights.Version > _received[index].Weights.Version)
                        {
                            _received[index] = contribution;
                        }
                    }
                    else if (_received.Count < MaxReceivedInstances)
                    {
                        _received.Add(contribution);
                    }
                }

                break;
        }
    }

    /// <summary>
    /// Runs one round now on the calling thread (serialised with the trainer thread's rounds) and returns its
    /// result, which is also published on <see cref="Rounds"/>. A round that throws is reported as Failed.
    /// </summary>
    public TrainingRoundResult RunRound()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return RunRoundCore();
    }

    /// <summary>Stops the trigger and the thread (waiting for a running round to end) and completes <see cref="Rounds"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        lock (_arrivalGate)
        {
            _disposed = true;
        }

        _trigger?.Dispose();
        _stopping.Cancel();
        _thread?.Join();
        _rounds.OnCompleted();
        _rounds.Dispose();
        lock (_arrivalGate)
        {
            _arrivals.Dispose();
        }

        _signal.Dispose();
        _stopping.Dispose();
    }

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

    /// <summary>Moves every window queued now through the hold-back set; those it pushes out join the training list.</summary>
    private void DrainQueue()
    {
        // Stops when the training list is full (only after a round that could not use its windows): what is left
        // stays queued, where the queue's drop-oldest bound applies.
        int available = Queue.Count;
        long through = Volatile.Read(ref _journaledThrough);
        for (int n = 0; n < available && _trainingCount < _training.Length && Queue.TryDequeue(through, out var window); n++)
        {
            if (!_merger.Trains)
            {
                window.Return();
                continue;
            }

            _classWeighting?.Apply(window);
            if (_holdBackCount < _holdBack.Length)
            {
                _holdBack[(_holdBackStart + _holdBackCount) % _holdBack.Length] = window;
                _holdBackCount++;
                continue;
            }

            var oldest = _holdBack[_holdBackStart];
            _holdBack[_holdBackStart] = window;
            _holdBackStart = (_holdBackStart + 1) % _holdBack.Length;
            _training[_trainingCount++] = oldest;
        }

        PublishHeld();
    }

    private void DiscardWindows()
    {
        ReleaseTraining(_trainingCount);
        for (int i = 0; i < _holdBackCount; i++)
        {
            int at = (_holdBackStart + i) % _holdBack.Length;
            _holdBack[at].Return();
            _holdBack[at] = null!;
        }

        _holdBackStart = 0;
        _holdBackCount = 0;
        _momentsOwner = null;
        PublishHeld();
    }

    private void PublishHeld() => Interlocked.Exchange(ref _held, _holdBackCount + _trainingCount);

    /// <summary>Returns the first <paramref name="consumed"/> training windows to the pool and keeps the rest in front.</summary>
    private void ReleaseTraining(int consumed)
    {
        for (int i = 0; i < consumed; i++)
        {
            _training[i].Return();
        }

        int left = _trainingCount - consumed;
        Array.Copy(_training, consumed, _training, 0, left);
        Array.Clear(_training, left, consumed);
        _trainingCount = left;
        PublishHeld();
    }

    /// <summary>Merge mode: averages what was received into a candidate and promotes it if it validates.</summary>
    private ModelWeights MergeReceived(ModelWeights champion)
    {
        if (_options.Mode != TrainingMode.Merge)
        {
            return champion;
        }

        ModelContribution[] received;
        lock (_receivedGate)
        {
            if (_received.Count == 0)
            {
                return champion;
            }

            received = [.. _received];
            _received.Clear();
        }

        var local = new ModelContribution(_merger.InstanceId, champion, _windowsSinceMerge);
        var merged = _merger.Combine(local, received, _registry.NextVersion, out var mergedFrom);
        if (merged is null)
        {
            return champion;
        }

        int verdict = Validate(merged, champion, out double mergedLoss, out double championLoss);
        if (verdict >= 0)
        {
            CountRejection(verdict);
            return champion;
        }

        var promotion = _registry.TryPromote(merged, ModelSource.Merged, champion, 0, mergedLoss, championLoss, mergedFrom);
        if (promotion is null)
        {
            CountRejection(Superseded);
            return _registry.Current;
        }

        _windowsSinceMerge = 0;
        return promotion.Weights;
    }

    /// <summary>-1 if <paramref name="candidate"/> may replace <paramref name="champion"/>, else the rejection reason's index.</summary>
    private int Validate(ModelWeights candidate, ModelWeights champion, out double candidateLoss, out double championLoss)
    {
        candidateLoss = HoldBackLoss(candidate, out double weight);
        championLoss = HoldBackLoss(champion, out _);
        if (weight <= 0)
        {
            return NoValidation;
        }

        if (!double.IsFinite(candidateLoss))
        {
            return NonFinite;
        }

        bool better = !double.IsFinite(championLoss)
            || candidateLoss <= championLoss + _options.PromotionTolerance * Math.Abs(championLoss);
        return better ? -1 : Worse;
    }

    private double HoldBackLoss(ModelWeights weights, out double weightSum)
    {
        double loss = 0;
        weightSum = 0;
        for (int i = 0; i < _holdBackCount; i++)
        {
            var window = _holdBack[(_holdBackStart + i) % _holdBack.Length];
            loss += _bptt!.Evaluate(weights, window.StartState, window.Inputs, window.Targets, window.TargetWeights,
                out double windowWeight);
            weightSum += windowWeight;
        }

        return weightSum > 0 ? loss / weightSum : double.NaN;
    }

    private TrainingRoundResult Reject(long round, long started, int reason, int trained, int steps,
        double trainingLoss, double candidateLoss, double championLoss)
    {
        CountRejection(reason);
        _adam?.Restore(_savedAdamSteps, _savedFirstMoment, _savedSecondMoment);
        return Finish(round, started, RoundOutcome.Rejected, RejectionReasons[reason], trained, steps, trainingLoss,
            candidateLoss, championLoss);
    }

    private void CountRejection(int reason)
    {
        Interlocked.Increment(ref _rejections[reason]);
        _rejectionMetrics?[reason].Inc();
    }

    private TrainingRoundResult Finish(long round, long started, RoundOutcome outcome, string? reason, int trained,
        int steps, double trainingLoss, double candidateLoss, double championLoss) =>
        new(round, outcome, reason, trained, steps, trainingLoss, candidateLoss, championLoss, _registry.Current.Version,
            Stopwatch.GetElapsedTime(started));
}
