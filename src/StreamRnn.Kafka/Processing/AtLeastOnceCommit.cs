using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// At-least-once commit: (1) wait for every output, (2) probe membership with a generation-checked offset commit,
/// (3) write the changelog (and due tombstones), (4) commit the offsets that state covers.
/// </summary>
internal sealed class AtLeastOnceCommit(CommitParts parts, CancellationToken stopping)
    : CommitProtocol(parts)
{
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);

    private bool _evictionDue;

    /// <summary>Tombstones are state writes: they go inside the next fenced commit.</summary>
    public override void OnEvictionDue() => _evictionDue = true;

    protected override bool CommitCycle(List<TopicPartitionOffset> offsets)
    {
        // (1) outputs first, (2) then the membership probe, (3) then the state that claims them, (4) then the offsets
        // that state covers.
        if (!WaitForOutputs())
        {
            return false;
        }

        var probe = Positions.ProbeOffsets(Ownership.Owned);
        if (probe.Count == 0)
        {
            // Nothing consumed and nothing committed in this ownership: no key changed, nothing to write.
            return true;
        }

        if (!TryCommitOffsets(probe))
        {
            return false;
        }

        if (_evictionDue && Ownership.Restoring.Count == 0)
        {
            EvictIdleKeys();
            _evictionDue = false;
        }

        int changed = FlushChangelogs();
        if (changed > 0 && !WaitForOutputs())
        {
            return false;
        }

        Tracker.ThrowIfFailed();
        UpdateChangelogPositions();
        if (offsets.Count > 0)
        {
            if (!TryCommitOffsets(offsets))
            {
                return false;
            }

            Positions.MarkCommitted(offsets);
        }

        Status.AddCommit();
        return true;
    }

    /// <summary>
    /// Commits offsets, checked by the coordinator against this member's generation. A fence (unknown member,
    /// illegal generation, lost assignment) drops every partition before anything else is written.
    /// </summary>
    private bool TryCommitOffsets(List<TopicPartitionOffset> offsets)
    {
        try
        {
            Consumer.Commit(offsets);
            return true;
        }
        catch (KafkaException e) when (!e.Error.IsFatal)
        {
            if (GroupFencing.IsFenced(e.Error.Code))
            {
                _evictionDue = false;
                Ownership.OnFenced($"{e.Error.Reason} ({e.Error.Code})");
            }
            else
            {
                // E.g. a rebalance in progress: the offsets stay pending and go with the next commit, or the
                // partition's next owner processes those records again (their state is already durable).
                ProcessorLog.CommitDeferred(Logger, e.Error.Reason);
            }

            return false;
        }
    }

    /// <summary>Waits until every output produced so far is acknowledged. False if stopping cut the wait short.</summary>
    private bool WaitForOutputs()
    {
        long started = Time.GetTimestamp();
        while (Tracker.InFlight > 0)
        {
            Producer.Flush(FlushSlice);
            Tracker.ThrowIfFailed();
            if (stopping.IsCancellationRequested && Time.GetElapsedTime(started) > Options.ShutdownTimeout)
            {
                ProcessorLog.ShutdownIncomplete(Logger, Options.ShutdownTimeout.TotalSeconds);
                return false;
            }
        }

        return true;
    }
}
