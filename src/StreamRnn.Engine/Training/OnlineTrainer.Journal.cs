using StreamRnn.Core;

namespace StreamRnn.Engine;

// Journal checkpointing: windows accepted but not yet trained survive a restart in the WindowJournal.
public sealed partial class OnlineTrainer
{
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
}
