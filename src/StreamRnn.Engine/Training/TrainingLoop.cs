using System.Diagnostics;
using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace StreamRnn.Engine.Training;

/// <summary>
/// When rounds run and where: the trigger (System.Reactive, on the injected scheduler) fires every TrainEveryWindows
/// arrived windows or every TrainEveryInterval, whichever comes first, once WarmupWindows windows have arrived, and
/// the trainer thread runs one round per burst of triggers, resting to keep within MaxCpuShare of a core.
/// </summary>
internal sealed class TrainingLoop(TrainingOptions options, WindowQueue queue, IScheduler scheduler, Func<TrainingRoundResult> runRound)
{
    private readonly Lock _arrivalGate = new();
    private readonly Subject<Unit> _arrivals = new();
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _trigger;
    private Thread? _thread;
    private long _roundsTriggered;
    private long _faults;
    private bool _disposed;

    public bool Disposed => Volatile.Read(ref _disposed);

    public bool ThreadStarted => _thread is not null;

    public long RoundsTriggered => Interlocked.Read(ref _roundsTriggered);

    /// <summary>Errors of the trigger itself.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>Starts the trainer thread (below-normal priority, so inference threads get the cores first).</summary>
    public void StartThread(string name)
    {
        _thread = new Thread(Run)
        {
            Name = name,
            IsBackground = true,
            Priority = ThreadPriority.BelowNormal,
        };
        _thread.Start();
    }

    /// <summary>Subscribes the trigger (once); <paramref name="recovered"/> windows count as arrived now.</summary>
    public void StartTrigger(int recovered)
    {
        if (_trigger is not null)
        {
            return;
        }

        _trigger = _arrivals
            .Window(options.TrainEveryInterval, options.TrainEveryWindows, scheduler)
            .SelectMany(window => window.Count())
            .Where(arrived => arrived > 0 && queue.Enqueued >= options.WarmupWindows)
            .Subscribe(
                _ =>
                {
                    Interlocked.Increment(ref _roundsTriggered);
                    _signal.Release();
                },
                _ => Interlocked.Increment(ref _faults));

        // Windows recovered from the journal arrive now, so they count toward the next round like new ones.
        Arrived(recovered);
    }

    public void Arrived(int windows)
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
    /// On the trainer thread, rests after each mini-batch so that training uses at most MaxCpuShare of a core
    /// (rounds run on a caller's thread, e.g. a backtest, do not rest).
    /// </summary>
    public void RestForDutyCycle(long lastBatchTicks)
    {
        double share = options.MaxCpuShare;
        if (lastBatchTicks <= 0 || share >= 1 || !ReferenceEquals(Thread.CurrentThread, _thread))
        {
            return;
        }

        var rest = TimeSpan.FromSeconds(lastBatchTicks / (double)Stopwatch.Frequency * (1 - share) / share);
        _stopping.Token.WaitHandle.WaitOne(rest);
    }

    /// <summary>Stops the trigger and the thread, waiting for a running round to end.</summary>
    public void Stop()
    {
        lock (_arrivalGate)
        {
            _disposed = true;
        }

        _trigger?.Dispose();
        _stopping.Cancel();
        _thread?.Join();
    }

    /// <summary>Releases what <see cref="Stop"/> left (call after it).</summary>
    public void Dispose()
    {
        lock (_arrivalGate)
        {
            _arrivals.Dispose();
        }

        _signal.Dispose();
        _stopping.Dispose();
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

            runRound();
        }
    }
}
