using System.Reactive;
using StreamRnn.Core;

namespace StreamRnn.Engine;

// Intake: windows submitted by the consumer thread, contributions received from peers, and the hold-back/training split.
public sealed partial class OnlineTrainer
{
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
            _binaryHoldBack?.Keep(oldest);
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
        _binaryHoldBack?.Clear();
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
}
