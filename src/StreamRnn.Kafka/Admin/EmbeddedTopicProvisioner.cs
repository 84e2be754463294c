using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamRnn.Kafka.Embedded;

namespace StreamRnn.Kafka.Admin;

/// <summary>Provisions the daemon's topics on the <see cref="EmbeddedKafkaCluster"/>, which has no CreateTopics API.</summary>
/// <remarks>
/// Same decisions as <see cref="TopicAdministrator"/> (existing topics read from metadata, all checks before any
/// change), but topics are created through <see cref="EmbeddedKafkaCluster.CreateTopic"/>. What the embedded
/// broker cannot honour: compaction and topic configurations (<see cref="TopicSpec.Configs"/>, cleanup policy) are
/// ignored, and a replication factor of -1 means 1. It holds no client between calls, so the cluster can be
/// disposed at any time after a call returns.
/// </remarks>
public sealed class EmbeddedTopicProvisioner : ITopicProvisioner
{
    private readonly EmbeddedKafkaCluster _cluster;
    private readonly ILogger _logger;

    public EmbeddedTopicProvisioner(EmbeddedKafkaCluster cluster, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        _cluster = cluster;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TopicStatus>> EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        var plan = ProvisioningPlan.Create(topics, await ReadPartitionCountsAsync(cancellationToken));
        if (plan.Problems.Count > 0)
        {
            throw new TopicProvisioningException(string.Join(Environment.NewLine, plan.Problems), plan.ProblemTopics);
        }

        var statuses = new List<TopicStatus>(plan.Existing);
        foreach (var status in plan.Existing)
        {
            int wanted = topics.First(t => t.Name == status.Name).Partitions;
            if (status.Partitions == wanted)
            {
                AdminLog.Exists(_logger, status.Name, status.Partitions);
            }
            else
            {
                AdminLog.PartitionCountDiffers(_logger, status.Name, status.Partitions, wanted);
            }
        }

        foreach (var spec in plan.ToCreate)
        {
            cancellationToken.ThrowIfCancellationRequested();
            statuses.Add(Create(spec));
        }

        return ProvisioningPlan.InOrder(topics, statuses);
    }

    /// <inheritdoc/>
    public Task<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return Task.Run(() => _cluster.GetPartitionCount(topic), cancellationToken);
    }

    private TopicStatus Create(TopicSpec spec)
    {
        int replication = spec.ReplicationFactor == -1 ? 1 : spec.ReplicationFactor;
        if (replication > _cluster.BrokerCount)
        {
            throw new TopicProvisioningException(
                $"Topic {spec.Name}: replication factor {replication} exceeds the embedded cluster's {_cluster.BrokerCount} broker(s).", [spec.Name]);
        }

        try
        {
            bool created = _cluster.CreateTopic(spec.Name, spec.Partitions, replication);
            if (created)
            {
                AdminLog.Created(_logger, spec.Name, spec.Partitions, string.Empty);
                if (spec.Compacted)
                {
                    AdminLog.NoCompaction(_logger, spec.Name);
                }
            }
            else
            {
                AdminLog.CreatedConcurrently(_logger, spec.Name);
            }

            return new TopicStatus(spec.Name, spec.Partitions, created);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException && !spec.PartitionCountMustMatch)
        {
            // Created in the meantime with another partition count (typically auto-created by a producer with 4):
            // acceptable for this topic, as it would have been had it existed at the start.
            int actual = _cluster.GetPartitionCount(spec.Name)
                ?? throw new TopicProvisioningException($"Topic {spec.Name} vanished while it was being created.", [spec.Name]);
            AdminLog.PartitionCountDiffers(_logger, spec.Name, actual, spec.Partitions);
            return new TopicStatus(spec.Name, actual, Created: false);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            throw new TopicProvisioningException(e.Message, [spec.Name], e);
        }
    }

    private Task<IReadOnlyDictionary<string, int>> ReadPartitionCountsAsync(CancellationToken cancellationToken) =>
        Task.Run(_cluster.GetPartitionCounts, cancellationToken);
}
