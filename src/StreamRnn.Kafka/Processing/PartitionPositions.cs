using Confluent.Kafka;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Where each input partition stands (the next offset to commit, the last committed one, the first fetched in this
/// ownership) and how far each changelog partition is durable. Owned by the loop thread.
/// </summary>
internal sealed class PartitionPositions
{
    private readonly Dictionary<TopicPartition, long> _nextOffsets = [];
    private readonly Dictionary<TopicPartition, long> _committedOffsets = [];
    private readonly Dictionary<TopicPartition, long> _firstOffsets = [];
    private readonly Dictionary<TopicPartition, long> _changelogPositions = [];

    /// <summary>A record at <paramref name="offset"/> was fetched and handed to its pipeline.</summary>
    public void Fetched(TopicPartition partition, long offset)
    {
        _firstOffsets.TryAdd(partition, offset);
        _nextOffsets[partition] = offset + 1;
    }

    /// <summary>The offsets of owned partitions that moved since their last commit.</summary>
    public List<TopicPartitionOffset> ChangedOffsets(HashSet<TopicPartition> owned)
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, next) in _nextOffsets)
        {
            if (owned.Contains(partition) && (!_committedOffsets.TryGetValue(partition, out long committed) || committed != next))
            {
                offsets.Add(new TopicPartitionOffset(partition, new Offset(next)));
            }
        }

        return offsets;
    }

    /// <summary>The membership probe for <paramref name="owned"/> (see <see cref="GroupFencing.ProbeOffsets"/>).</summary>
    public List<TopicPartitionOffset> ProbeOffsets(IEnumerable<TopicPartition> owned) =>
        GroupFencing.ProbeOffsets(owned, _committedOffsets, _firstOffsets);

    public void MarkCommitted(List<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            _committedOffsets[offset.TopicPartition] = offset.Offset.Value;
        }
    }

    /// <summary>The consumer's position in <paramref name="partition"/>, for lag: next to process, else last committed.</summary>
    public long Position(TopicPartition partition) =>
        _nextOffsets.TryGetValue(partition, out long next) ? next : _committedOffsets.GetValueOrDefault(partition, 0);

    /// <summary>Forgets a partition's input offsets (it is no longer owned); its changelog position stays.</summary>
    public void Forget(TopicPartition partition)
    {
        _nextOffsets.Remove(partition);
        _committedOffsets.Remove(partition);
        _firstOffsets.Remove(partition);
    }

    /// <summary>A restore read <paramref name="changelog"/> up to <paramref name="end"/>.</summary>
    public void Restored(TopicPartition changelog, long end) => _changelogPositions[changelog] = end;

    /// <summary>Moves the durable end of <paramref name="changelog"/> forward (never back).</summary>
    public void Advance(TopicPartition changelog, long end)
    {
        if (end > _changelogPositions.GetValueOrDefault(changelog, 0))
        {
            _changelogPositions[changelog] = end;
        }
    }

    public long ChangelogPosition(TopicPartition changelog) => _changelogPositions.GetValueOrDefault(changelog, 0);
}
