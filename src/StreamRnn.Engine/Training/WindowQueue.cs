using Prometheus;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Bounded hand-over of completed windows from the runtime (any number of producer threads) to the trainer
/// (one consumer thread). When full, the OLDEST window is dropped, returned to its pool and counted: the trainer
/// learns from the newest data, and a slow trainer never makes the runtime wait or grow memory.
/// </summary>
/// <remarks>
/// A ring buffer under a lock: each operation holds it for a few array moves, so producers never wait on
/// training, only on another enqueue or dequeue of nanoseconds; and it allocates nothing after construction.
/// </remarks>
public sealed class WindowQueue
{
    private readonly Lock _gate = new();
    private readonly TrainingWindow[] _ring;
    private readonly Counter.Child? _droppedMetric;
    private readonly Counter.Child? _enqueuedMetric;
    private int _head;
    private int _count;
    private long _dropped;
    private long _enqueued;
    private long _lastSequence;

    /// <param name="capacity">Most windows held.</param>
    /// <param name="metrics">Optional: counts streamrnn_training_windows_total and streamrnn_training_windows_dropped_total.</param>
    public WindowQueue(int capacity, PipelineMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ring = new TrainingWindow[capacity];
        _droppedMetric = metrics?.TrainingWindowsDropped;
        _enqueuedMetric = metrics?.TrainingWindows;
    }

    public int Capacity => _ring.Length;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Windows dropped because the queue was full, since creation.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Windows enqueued since creation (dropped ones included).</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>The sequence given to the newest window (0 before the first).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>
    /// The oldest queued window's sequence, or, when the queue is empty, the sequence the next window will get (read
    /// atomically, so nothing enqueued meanwhile can fall between the two).
    /// </summary>
    public long OldestOrNextSequence
    {
        get
        {
            lock (_gate)
            {
                return _count == 0 ? _lastSequence + 1 : _ring[_head].Sequence;
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="window"/> and gives it the next sequence number; the queue owns it from now on. Returns
    /// false when the oldest window had to be dropped (and returned to its pool) to make room.
    /// </summary>
    public bool Enqueue(TrainingWindow window) => Add(window, recovered: false);

    /// <summary>
    /// Adds a window read back from a <see cref="WindowJournal"/>, keeping its sequence (later windows are numbered
    /// after it). Windows must be recovered oldest first, before any new one is enqueued.
    /// </summary>
    public bool EnqueueRecovered(TrainingWindow window) => Add(window, recovered: true);

    /// <summary>Numbers new windows from <paramref name="sequence"/> + 1 (e.g. after everything journaled was trained).</summary>
    public void ContinueAfter(long sequence)
    {
        lock (_gate)
        {
            _lastSequence = Math.Max(_lastSequence, sequence);
        }
    }

    /// <summary>
    /// Calls <paramref name="visit"/> (under the queue's lock: keep it to a copy) for each queued window with a sequence
    /// above <paramref name="after"/>, oldest first, and returns the newest sequence queued so far.
    /// </summary>
    public long VisitNewerThan<TVisitor>(long after, ref TVisitor visit)
        where TVisitor : struct, IWindowVisitor
    {
        lock (_gate)
        {
            for (int i = 0; i < _count; i++)
            {
                var window = _ring[(_head + i) % _ring.Length];
                if (window.Sequence > after)
                {
                    visit.Visit(window);
                }
            }

            return _lastSequence;
        }
    }

    private bool Add(TrainingWindow window, bool recovered)
    {
        ArgumentNullException.ThrowIfNull(window);
        TrainingWindow? dropped = null;
        lock (_gate)
        {
            if (recovered)
            {
                if (window.Sequence <= _lastSequence)
                {
                    throw new ArgumentException($"Recovered sequence {window.Sequence} does not follow {_lastSequence}.", nameof(window));
                }

                _lastSequence = window.Sequence;
            }
            else
            {
                window.Sequence = ++_lastSequence;
            }

            int tail = _head + _count;
            if (tail >= _ring.Length)
            {
                tail -= _ring.Length;
            }

            if (_count == _ring.Length)
            {
                // Full: the slot at the tail is the oldest (tail == head); overwrite it and advance the head.
                dropped = _ring[_head];
                _head = _head + 1 == _ring.Length ? 0 : _head + 1;
            }
            else
            {
                _count++;
            }

            _ring[tail] = window;
        }

        Interlocked.Increment(ref _enqueued);
        _enqueuedMetric?.Inc();
        if (dropped is null)
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        _droppedMetric?.Inc();
        dropped.Return();
        return false;
    }

    /// <summary>Takes the oldest window, if any; the caller owns it and must return it to its pool.</summary>
    public bool TryDequeue(out TrainingWindow window) => TryDequeue(long.MaxValue, out window);

    /// <summary>Takes the oldest window if its sequence is at most <paramref name="through"/>.</summary>
    public bool TryDequeue(long through, out TrainingWindow window)
    {
        lock (_gate)
        {
            if (_count == 0 || _ring[_head].Sequence > through)
            {
                window = null!;
                return false;
            }

            window = _ring[_head];
            _ring[_head] = null!;
            _head = _head + 1 == _ring.Length ? 0 : _head + 1;
            _count--;
            return true;
        }
    }

    /// <summary>Drops every queued window (returned to their pools) without counting them as dropped.</summary>
    public int Clear()
    {
        int cleared = 0;
        while (TryDequeue(out var window))
        {
            window.Return();
            cleared++;
        }

        return cleared;
    }
}
