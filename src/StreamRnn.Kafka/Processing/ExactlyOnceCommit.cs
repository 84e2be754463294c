using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Exactly-once commit: outputs, changelog records, tombstones and input offsets of one commit interval go in one
/// producer transaction, opened lazily by the first write after a commit.
/// </summary>
internal sealed class ExactlyOnceCommit(CommitParts parts)
    : CommitProtocol(parts)
{
    private bool _transactionOpen;

    public override void BeforeProcessing() => BeginTransactionIfNeeded();

    /// <summary>Tombstones join the open transaction at once.</summary>
    public override void OnEvictionDue()
    {
        BeginTransactionIfNeeded();
        EvictIdleKeys();
    }

    protected override bool CommitCycle(List<TopicPartitionOffset> offsets)
    {
        BeginTransactionIfNeeded();
        FlushChangelogs();
        if (offsets.Count > 0)
        {
            Producer.SendOffsetsToTransaction(offsets, Consumer.ConsumerGroupMetadata, Options.ShutdownTimeout);
        }

        Producer.CommitTransaction(Options.ShutdownTimeout);
        _transactionOpen = false;
        Tracker.ThrowIfFailed();
        UpdateChangelogPositions();
        Positions.MarkCommitted(offsets);
        Status.AddCommit();
        return true;
    }

    private void BeginTransactionIfNeeded()
    {
        if (!_transactionOpen)
        {
            Producer.BeginTransaction();
            _transactionOpen = true;
        }
    }
}
