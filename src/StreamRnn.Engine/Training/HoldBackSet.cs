namespace StreamRnn.Engine.Training;

/// <summary>
/// The rolling hold-back set of the newest HoldBackWindows windows and the training list it spills into: queued
/// windows pass through it oldest first, and a window pushed out of it joins the training list, so every window
/// validates before it trains, and never both at once. Trainer-thread state (the trainer's round lock guards it).
/// </summary>
internal sealed class HoldBackSet(int holdBackWindows, int trainingCapacity, BinaryHoldBack? binary = null)
{
    private readonly TrainingWindow[] _holdBack = new TrainingWindow[holdBackWindows];
    private readonly TrainingWindow[] _training = new TrainingWindow[trainingCapacity];
    private int _holdBackStart;
    private int _holdBackCount;
    private int _trainingCount;
    private long _held;

    /// <summary>Windows held back for validation.</summary>
    public int Count => _holdBackCount;

    /// <summary>Binary heads: the stratified reserve of positive windows that the hold-back set spills into; else null.</summary>
    public BinaryHoldBack? Binary => binary;

    /// <summary>The windows held back, in no particular order (the ring is filled from index 0 until it wraps).</summary>
    public ReadOnlySpan<TrainingWindow> Windows => _holdBack.AsSpan(0, _holdBackCount);

    /// <summary>The <paramref name="index"/>-th oldest window held back.</summary>
    public TrainingWindow this[int index] => _holdBack[(_holdBackStart + index) % _holdBack.Length];

    /// <summary>Windows pushed out of the hold-back set and not yet trained on, oldest first.</summary>
    public ReadOnlySpan<TrainingWindow> Training => _training.AsSpan(0, _trainingCount);

    /// <summary>Windows held back or waiting for a mini-batch; readable from any thread.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>The sequence of the oldest window still held here, or else the queue's oldest or next.</summary>
    public long OldestSequence(WindowQueue queue) =>
        _trainingCount > 0 ? _training[0].Sequence
        : _holdBackCount > 0 ? _holdBack[_holdBackStart].Sequence
        : queue.OldestOrNextSequence;

    /// <summary>Moves every window queued now through the hold-back set; those it pushes out join the training list.</summary>
    public void Drain(WindowQueue queue, long through, bool trains, ClassWeighting? classWeighting)
    {
        // Stops when the training list is full (only after a round that could not use its windows): what is left
        // stays queued, where the queue's drop-oldest bound applies.
        int available = queue.Count;
        for (int n = 0; n < available && _trainingCount < _training.Length && queue.TryDequeue(through, out var window); n++)
        {
            if (!trains)
            {
                window.Return();
                continue;
            }

            classWeighting?.Apply(window);
            if (_holdBackCount < _holdBack.Length)
            {
                _holdBack[(_holdBackStart + _holdBackCount) % _holdBack.Length] = window;
                _holdBackCount++;
                continue;
            }

            var oldest = _holdBack[_holdBackStart];
            _holdBack[_holdBackStart] = window;
            _holdBackStart = (_holdBackStart + 1) % _holdBack.Length;
            binary?.Keep(oldest);
            _training[_trainingCount++] = oldest;
        }

        PublishHeld();
    }

    /// <summary>Returns every window held here to the pool.</summary>
    public void Discard()
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
        binary?.Clear();
        PublishHeld();
    }

    /// <summary>Returns the first <paramref name="consumed"/> training windows to the pool and keeps the rest in front.</summary>
    public void ReleaseTraining(int consumed)
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

    private void PublishHeld() => Interlocked.Exchange(ref _held, _holdBackCount + _trainingCount);
}
