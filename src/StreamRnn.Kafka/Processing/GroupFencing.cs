using Confluent.Kafka;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// How the consumer loop makes sure it still owns its partitions before writing their state: an offset commit is
/// checked by the group coordinator against the member id and generation, so re-committing offsets that are already
/// durable (or a partition's first fetched offset, which changes nothing) is a membership probe with no side effect.
/// </summary>
/// <remarks>
/// A paused instance (GC or VM pause, SIGSTOP, network split) that lost its partitions while it could not heartbeat
/// finds out at the probe, before it flushes a single changelog record or snapshot. What remains is the gap between
/// a successful probe and the writes that follow it (milliseconds, not a pause); a record written in that gap claims
/// an older applied offset than the new owner's and restore skips it (newest applied offset wins).
/// </remarks>
internal static class GroupFencing
{
    /// <summary>
    /// True for commit errors that mean this member is no longer in the group (its partitions may have a new owner
    /// already). Not for IllegalGeneration or RebalanceInProgress: a cooperative rebalance bumps the generation while
    /// members keep their partitions, and a partition moves only after its owner revoked it; those commits are deferred
    /// (nothing is written until a probe succeeds).
    /// </summary>
    public static bool IsFenced(ErrorCode code) => code is ErrorCode.UnknownMemberId
        or ErrorCode.FencedInstanceId or ErrorCode.FencedMemberEpoch or ErrorCode.StaleMemberEpoch or ErrorCode.Local_AssignmentLost
        or ErrorCode.Local_Fenced;

    /// <summary>
    /// Offsets whose commit proves membership without moving anything: per owned partition, the last committed offset,
    /// or else the first offset fetched in this ownership (where the group's position already is).
    /// </summary>
    public static List<TopicPartitionOffset> ProbeOffsets(IEnumerable<TopicPartition> owned, Dictionary<TopicPartition, long> committed,
        Dictionary<TopicPartition, long> firstFetched)
    {
        var probe = new List<TopicPartitionOffset>();
        foreach (var partition in owned)
        {
            if (committed.TryGetValue(partition, out long offset) || firstFetched.TryGetValue(partition, out offset))
            {
                probe.Add(new TopicPartitionOffset(partition, new Offset(offset)));
            }
        }

        return probe;
    }
}
