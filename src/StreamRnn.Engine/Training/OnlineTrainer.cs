using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using StreamRnn.Core;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Online retraining of one pipeline with truncated BPTT, on its own thread, safe to leave on: the runtime only
/// hands over completed windows (<see cref="Submit"/>, never waits), and a new version reaches inference only
/// through <see cref="ModelRegistry"/> after it has beaten the champion on recent held-back windows.
/// </summary>
/// <remarks>
/// <para>A round drains the queued windows through the rolling hold-back set (<see cref="HoldBackSet"/>: every window
/// validates before it trains, never both), trains a candidate on what the set pushed out (<see cref="CandidateOptimizer"/>:
/// TBPTT mini-batches, clipped Adam on a copy of the champion) and promotes it through the <see cref="ModelRegistry"/> only
/// if the <see cref="PromotionPolicy"/> finds it no worse than the champion on the held-back windows; rounds are
/// triggered and run by the <see cref="TrainingLoop"/>, and windows in flight are journaled by the
/// <see cref="JournalCheckpointer"/>; one round is a <see cref="TrainingRound"/>. This class composes them, serialises
/// rounds and publishes their results.</para>
/// <para>Multi-instance: in Merge mode, versions received through <see cref="Receive"/> are averaged with the
/// champion (weights = windows trained, see <see cref="ModelMerger"/>) at the start of the next round and the
/// average is validated like any candidate; in Follow mode a non-leader does not train and adopts the leader's
/// versions as they arrive.</para>
/// </remarks>
public sealed class OnlineTrainer : IDisposable
{
    /// <summary>Label values of streamrnn_model_rejections_total.</summary>
    public static readonly string[] RejectionReasons = ["non_finite", "worse", "no_validation", "superseded", "no_positive"];

    /// <summary>Most instances whose received versions a Merge-mode trainer keeps between rounds.</summary>
    public const int MaxReceivedInstances = 256;

    private readonly TrainingOptions _options;
    private readonly ModelRegistry _registry;
    private readonly ModelMerger _merger;
    private readonly ModelShape _shape;
    private readonly Lock _roundGate = new();
    private readonly Subject<TrainingRoundResult> _rounds = new();
    private readonly TrainingLoop _loop;
    private readonly JournalCheckpointer _journal = new();

    // Trainer-thread state (guarded by _roundGate).
    private readonly HoldBackSet _holdBack;
    private readonly CandidateOptimizer _optimizer;
    private readonly PromotionPolicy _policy;
    private readonly ReceivedVersions _received;
    private readonly RejectionCounter _rejections;
    private readonly TrainingRound _round;

    private long _roundsCompleted;
    private long _faults;

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
        _shape = registry.Shape;
        _merger = new ModelMerger(options.Mode, instanceId, options.Leader);
        var pipelineMetrics = metrics?.ForPipeline(pipeline);
        int inFlight = options.QueueCapacity + options.HoldBackWindows + options.BatchWindows;
        Pool = new TrainingWindowPool(_shape.StateSize, _shape.InputSize, options.WindowSteps, inFlight + 64, _shape.Horizons);
        Queue = new WindowQueue(options.QueueCapacity, pipelineMetrics);
        _loop = new TrainingLoop(options, Queue, scheduler, RunRoundCore);
        _holdBack = new HoldBackSet(options.HoldBackWindows, options.QueueCapacity + options.BatchWindows, BinaryHoldBack.Create(options, _shape));
        _optimizer = new CandidateOptimizer(_shape, options, _loop.RestForDutyCycle);
        _received = new ReceivedVersions(options, registry, _merger);
        _rejections = new RejectionCounter(pipeline, metrics);
        _policy = new PromotionPolicy(options, registry, _merger, _holdBack, _received, _optimizer, _rejections);
        _round = new TrainingRound(options, registry, _merger, ClassWeighting.Create(options, _shape), pipelineMetrics?.TrainingLoss,
            Queue, _journal, _holdBack, _optimizer, _policy, _rejections);
    }

    public string Pipeline { get; }

    /// <summary>Where the runtime rents the windows it fills and then passes to <see cref="Submit"/>.</summary>
    public TrainingWindowPool Pool { get; }

    /// <summary>The windows waiting for the next round.</summary>
    public WindowQueue Queue { get; }

    /// <summary>Merge mode: versions received from other instances waiting for the next round (at most <see cref="MaxReceivedInstances"/>).</summary>
    public int ReceivedPending => _received.Pending;

    /// <summary>False on a Follow-mode non-leader, which adopts versions instead of training.</summary>
    public bool Trains => _merger.Trains;

    /// <summary>Every finished round, raised in order on the thread that ran it (observers must be quick: log, count).</summary>
    public IObservable<TrainingRoundResult> Rounds => _rounds.AsObservable();

    public long RoundsTriggered => _loop.RoundsTriggered;
    public long RoundsCompleted => Interlocked.Read(ref _roundsCompleted);

    /// <summary>Windows consumed by optimiser steps since creation.</summary>
    public long WindowsTrained => _round.WindowsTrained;

    /// <summary>Rounds that threw (the trainer carried on).</summary>
    public long Faults => Interlocked.Read(ref _faults) + _loop.Faults;

    /// <summary>Windows not yet trained: queued, held back for validation, or waiting for a mini-batch.</summary>
    public long WindowsInFlight => Queue.Count + _holdBack.Held;

    /// <summary>Windows read back from the journal at start (see <see cref="AttachJournal"/>).</summary>
    public long WindowsRecovered => _journal.WindowsRecovered;

    /// <summary>Every window with a sequence at most this is trained (or was dropped by the queue's bound).</summary>
    public long TrainedThrough => _journal.TrainedThrough;

    /// <summary>Checkpoints whose journal write failed (the windows of those checkpoints are not durable).</summary>
    public long JournalFailures => _journal.JournalFailures;

    /// <summary>The last journal write error, for logs; null if none.</summary>
    public Exception? LastJournalError => _journal.LastJournalError;

    /// <summary>
    /// Test seam: sees (and may alter) each mini-batch's summed gradient before it is normalised and clipped, so tests
    /// can inject non-finite gradients that real inputs cannot produce (the core rejects non-finite inputs).
    /// </summary>
    internal Action<Span<float>>? GradientHook
    {
        get => _optimizer.GradientHook;
        set => _optimizer.GradientHook = value;
    }

    /// <summary>Test seam: Adam's step count and a copy of its first moment (empty before the first training round).</summary>
    internal (long Steps, float[] FirstMoment) OptimizerState()
    {
        lock (_roundGate)
        {
            return _optimizer.State();
        }
    }

    /// <summary>Windows currently held back for validation.</summary>
    public int HoldBackCount
    {
        get
        {
            lock (_roundGate)
            {
                return _holdBack.Count;
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

        return _rejections.Of(index);
    }

    /// <summary>
    /// Subscribes the trigger and starts the trainer thread (below-normal priority, so on a busy machine inference
    /// threads get the cores first).
    /// </summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_loop.Disposed, this);
        if (_loop.ThreadStarted)
        {
            throw new InvalidOperationException("The trainer is already started.");
        }

        StartTrigger();
        _loop.StartThread($"streamrnn-trainer-{Pipeline}");
    }

    /// <summary>
    /// Subscribes only the trigger, without a thread: triggers are counted in <see cref="RoundsTriggered"/> and
    /// rounds are run by calling <see cref="RunRound"/> (backtests that train in lock-step with the replay).
    /// </summary>
    public void StartTrigger()
    {
        ObjectDisposedException.ThrowIf(_loop.Disposed, this);
        _loop.StartTrigger((int)Math.Min(int.MaxValue, _journal.WindowsRecovered));
    }

    /// <summary>
    /// Runs one round now on the calling thread (serialised with the trainer thread's rounds) and returns its
    /// result, which is also published on <see cref="Rounds"/>. A round that throws is reported as Failed.
    /// </summary>
    public TrainingRoundResult RunRound()
    {
        ObjectDisposedException.ThrowIf(_loop.Disposed, this);
        return RunRoundCore();
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

        if (!_merger.Trains || _loop.Disposed)
        {
            // A follower does not train, and a stopped trainer takes nothing: the runtime may still be flushing.
            window.Return();
            return false;
        }

        bool kept = Queue.Enqueue(window);
        if (!_journal.Attached)
        {
            _loop.Arrived(1);
        }

        // With a journal, a window arrives for the trigger when it is journaled (Checkpoint): the trainer cannot take
        // it before, and a round triggered for windows it may not take would wait for the next trigger.
        return kept;
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
        _received.Receive(contribution);
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
        ObjectDisposedException.ThrowIf(_loop.Disposed, this);
        if (_journal.Attached || _loop.ThreadStarted || Queue.Enqueued > 0)
        {
            throw new InvalidOperationException("A journal is attached once, before the trainer starts and before any window arrives.");
        }

        if (journal.StateSize != _shape.StateSize || journal.InputSize != _shape.InputSize || journal.Steps != _options.WindowSteps)
        {
            throw new ArgumentException("The journal's window shape differs from the trainer's.", nameof(journal));
        }

        return _journal.Attach(journal, Pool, Queue, problem);
    }

    /// <summary>
    /// Journals the windows queued since the last checkpoint and the trained-through watermark, then lets the trainer
    /// take them. The runtime calls it before offsets are committed (<see cref="PipelineRuntime.FlushChangelog"/>), on
    /// the thread that submits windows. Without a journal it does nothing. A failed write is counted
    /// (<see cref="JournalFailures"/>) and training goes on: inference and training never stop for the journal.
    /// </summary>
    public void Checkpoint()
    {
        if (!_loop.Disposed && _journal.TryCheckpoint(Queue, out int journaled))
        {
            _loop.Arrived(journaled);
        }
    }

    /// <summary>Stops the trigger and the thread (waiting for a running round to end) and completes <see cref="Rounds"/>.</summary>
    public void Dispose()
    {
        if (_loop.Disposed)
        {
            return;
        }

        _loop.Stop();
        _rounds.OnCompleted();
        _rounds.Dispose();
        _loop.Dispose();
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
                result = _round.Run(round, started);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // Whatever made the round throw may sit in the windows it held; keeping them would fail every
                // later round too, so the round's windows are discarded and the next round starts afresh.
                Interlocked.Increment(ref _faults);
                _holdBack.Discard();
                _optimizer.ForgetMoments();
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
            _journal.AdvanceTrainedThrough(_holdBack.OldestSequence(Queue) - 1);
        }

        return result;
    }
}
