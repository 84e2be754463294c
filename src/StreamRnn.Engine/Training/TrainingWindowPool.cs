namespace StreamRnn.Engine.Training;

/// <summary>
/// Recycles <see cref="TrainingWindow"/>s of one shape between the runtime (which rents and fills them) and the
/// trainer (which returns them after use). Thread-safe. Holds at most <see cref="MaxRetained"/> idle windows;
/// beyond that a returned window is left to the garbage collector, so a burst cannot pin memory forever.
/// </summary>
public sealed class TrainingWindowPool
{
    private readonly Lock _gate = new();
    private readonly TrainingWindow[] _idle;
    private int _count;
    private long _created;

    /// <param name="horizons">Targets per step (Target:Horizons; 1 otherwise).</param>
    public TrainingWindowPool(int stateSize, int inputSize, int steps, int maxRetained, int horizons = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizons);
        Horizons = horizons;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetained);
        StateSize = stateSize;
        InputSize = inputSize;
        Steps = steps;
        _idle = new TrainingWindow[maxRetained];
    }

    public int StateSize { get; }
    public int InputSize { get; }
    public int Steps { get; }

    /// <summary>Targets per step.</summary>
    public int Horizons { get; }

    public int MaxRetained => _idle.Length;

    /// <summary>Idle windows ready to rent.</summary>
    public int Idle
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Windows allocated since creation; flat in the steady state.</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>
    /// A window whose arrays are NOT cleared: the caller overwrites all of them (call <see cref="TrainingWindow.Clear"/>
    /// first if it fills only part).
    /// </summary>
    public TrainingWindow Rent()
    {
        lock (_gate)
        {
            if (_count > 0)
            {
                var window = _idle[--_count];
                _idle[_count] = null!;
                window.Pooled = false;
                return window;
            }
        }

        Interlocked.Increment(ref _created);
        return new TrainingWindow(this, StateSize, InputSize, Steps, Horizons);
    }

    /// <summary>Takes a window back; windows of another pool are refused so shapes never mix.</summary>
    public void Return(TrainingWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (!ReferenceEquals(window.Owner, this))
        {
            throw new ArgumentException("The window belongs to another pool.", nameof(window));
        }

        lock (_gate)
        {
            if (window.Pooled)
            {
                throw new InvalidOperationException("The window was returned twice.");
            }

            if (_count < _idle.Length)
            {
                window.Pooled = true;
                _idle[_count++] = window;
            }
        }
    }
}
