namespace StreamRnn.Engine.Training;

/// <summary>
/// Keeps the windows accepted but not yet trained durable in a <see cref="WindowJournal"/>: recovers them at attach,
/// journals new ones at each checkpoint (the trainer takes only journaled windows), and records the trained-through
/// watermark.
/// </summary>
internal sealed class JournalCheckpointer
{
    private WindowJournal? _journal;
    private long _journaledThrough = long.MaxValue;
    private long _trainedThrough;
    private long _windowsRecovered;
    private long _journalFailures;

    public bool Attached => _journal is not null;

    /// <summary>The newest sequence journaled: the trainer takes no window after it.</summary>
    public long JournaledThrough => Volatile.Read(ref _journaledThrough);

    /// <summary>Every window with a sequence at most this is trained (or was dropped by the queue's bound).</summary>
    public long TrainedThrough => Interlocked.Read(ref _trainedThrough);

    public long WindowsRecovered => Interlocked.Read(ref _windowsRecovered);

    public long JournalFailures => Interlocked.Read(ref _journalFailures);

    public Exception? LastJournalError { get; private set; }

    /// <summary>Recovers what <paramref name="journal"/> holds that is not yet trained into <paramref name="queue"/>.</summary>
    public int Attach(WindowJournal journal, TrainingWindowPool pool, WindowQueue queue, Action<string, string>? problem)
    {
        var (recovered, last) = journal.Recover(pool, window => queue.EnqueueRecovered(window), problem);
        queue.ContinueAfter(last);
        _trainedThrough = journal.TrainedThrough;
        _journaledThrough = last;
        _windowsRecovered = recovered;
        _journal = journal;
        return recovered;
    }

    /// <summary>
    /// Journals the windows queued since the last checkpoint and the trained-through watermark. False without a
    /// journal; a failed write is counted and the windows are released to the trainer all the same.
    /// </summary>
    public bool TryCheckpoint(WindowQueue queue, out int journaled)
    {
        var journal = _journal;
        if (journal is null)
        {
            journaled = 0;
            return false;
        }

        var appender = new JournalAppender(journal);
        long newest = queue.VisitNewerThan(Volatile.Read(ref _journaledThrough), ref appender);
        journaled = appender.Count;
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
        return true;
    }

    /// <summary>Moves the trained-through watermark forward to <paramref name="through"/> (never back).</summary>
    public void AdvanceTrainedThrough(long through) =>
        Interlocked.Exchange(ref _trainedThrough, Math.Max(Interlocked.Read(ref _trainedThrough), through));

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
