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
public sealed partial class OnlineTrainer : IDisposable
{
    /// <summary>Label values of streamrnn_model_rejections_total.</summary>
    public static readonly string[] RejectionReasons = ["non_finite", "worse", "no_validation", "superseded", "no_positive"];

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
    private readonly long[] _rejections = new long[RejectionReasons.Length];
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
    private readonly BinaryHoldBack? _binaryHoldBack;

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
        _binaryHoldBack = BinaryHoldBack.Create(options, _shape);

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
}
