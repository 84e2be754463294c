using Prometheus;

namespace StreamRnn.Engine;

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

    /// <summary>
    /// Adds <paramref name="window"/>; the queue owns it from now on. Returns false when the oldest window had to be
    /// dropped (and returned to its pool) to make room.
    /// </summary>
    public bool Enqueue(TrainingWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        TrainingWindow? dropped = null;
        lock (_gate)
        {
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
    public bool TryDequeue(out TrainingWindow window)
    {
        lock (_gate)
        {
            if (_count == 0)
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
