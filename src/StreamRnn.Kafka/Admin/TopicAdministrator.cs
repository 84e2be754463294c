using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StreamRnn.Kafka.Admin;

/// <summary>Provisions the daemon's topics on a real Kafka cluster through the Admin API.</summary>
/// <remarks>
/// <para>
/// Reads the metadata of all topics, decides everything before changing anything (so a changelog with the wrong
/// partition count stops start-up without half of the topics created), then creates the missing topics in one
/// <c>CreateTopics</c> request with <c>cleanup.policy=compact</c> where asked. Existing topics are never altered.
/// A topic that another instance creates at the same moment (<c>TOPIC_ALREADY_EXISTS</c>) is checked like any
/// existing one. After creating, it waits (up to the timeout) until the new topics appear in metadata, so that
/// consumers started next do not see "unknown topic".
/// </para>
/// <para>
/// The embedded broker does not implement CreateTopics; use <see cref="EmbeddedTopicProvisioner"/> there.
/// </para>
/// </remarks>
public sealed class TopicAdministrator : ITopicProvisioner, IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly IAdminClient _adminClient;
    private readonly bool _ownsClient;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;

    /// <summary>Uses <paramref name="adminClient"/>, which stays the caller's to dispose.</summary>
    /// <param name="adminClient">A client of the target cluster.</param>
    /// <param name="logger">Receives one line per topic.</param>
    /// <param name="timeout">Bound of each metadata and CreateTopics request (30 s by default).</param>
    public TopicAdministrator(IAdminClient adminClient, ILogger? logger = null, TimeSpan? timeout = null)
        : this(adminClient, ownsClient: false, logger, timeout)
    {
    }

    private TopicAdministrator(IAdminClient adminClient, bool ownsClient, ILogger? logger, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(adminClient);
        _adminClient = adminClient;
        _ownsClient = ownsClient;
        _logger = logger ?? NullLogger.Instance;
        _timeout = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_timeout, TimeSpan.Zero, nameof(timeout));
    }

    /// <summary>Creates an administrator with its own admin client, disposed with it.</summary>
    public static TopicAdministrator Create(AdminClientConfig config, ILogger? logger = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var client = new AdminClientBuilder(config).Build();
        return new TopicAdministrator(client, ownsClient: true, logger, timeout);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<TopicStatus>> EnsureTopicsAsync(IReadOnlyList<TopicSpec> topics, CancellationToken cancellationToken = default)
    {
        var plan = ProvisioningPlan.Create(topics, await ReadPartitionCountsAsync(cancellationToken));
        ThrowOnProblems(plan);
        var statuses = new List<TopicStatus>(plan.Existing);
        foreach (var status in plan.Existing)
        {
            LogExisting(status, topics);
        }

        if (plan.ToCreate.Count == 0)
        {
            return ProvisioningPlan.InOrder(topics, statuses);
        }

        var raced = await CreateAsync(plan.ToCreate);
        var created = plan.ToCreate.Where(s => !raced.Contains(s.Name)).ToList();
        foreach (var spec in created)
        {
            statuses.Add(new TopicStatus(spec.Name, spec.Partitions, Created: true));
            AdminLog.Created(_logger, spec.Name, spec.Partitions, spec.Compacted ? ", compacted" : string.Empty);
        }

        var counts = await WaitUntilVisibleAsync([.. plan.ToCreate.Select(s => s.Name)], cancellationToken);
        if (raced.Count > 0)
        {
            // Someone else won the race: their topic must meet the same conditions as one found at the start.
            var racedSpecs = plan.ToCreate.Where(s => raced.Contains(s.Name)).ToList();
            var recheck = ProvisioningPlan.Create(racedSpecs, counts);
            ThrowOnProblems(recheck);
            if (recheck.ToCreate.Count > 0)
            {
                throw new TopicProvisioningException(
                    $"Topics {string.Join(", ", recheck.ToCreate.Select(s => s.Name))} were reported as already existing but are not in the metadata.",
                    [.. recheck.ToCreate.Select(s => s.Name)]);
            }

            foreach (var status in recheck.Existing)
            {
                AdminLog.CreatedConcurrently(_logger, status.Name);
                LogExisting(status, topics);
                statuses.Add(status);
            }
        }

        return ProvisioningPlan.InOrder(topics, statuses);
    }

    /// <inheritdoc/>
    public async Task<int?> GetPartitionCountAsync(string topic, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return (await ReadPartitionCountsAsync(cancellationToken)).TryGetValue(topic, out int count) ? count : null;
    }

    /// <summary>Disposes the admin client if <see cref="Create"/> made it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _adminClient.Dispose();
        }
    }

    private static void ThrowOnProblems(ProvisioningPlan plan)
    {
        if (plan.Problems.Count > 0)
        {
            throw new TopicProvisioningException(string.Join(Environment.NewLine, plan.Problems), plan.ProblemTopics);
        }
    }

    // GetMetadata blocks its caller for up to the timeout; keep that off the caller's thread.
    private Task<IReadOnlyDictionary<string, int>> ReadPartitionCountsAsync(CancellationToken cancellationToken) =>
        Task.Run(() => TopicMetadataReader.ReadPartitionCounts(_adminClient, _timeout), cancellationToken);

    /// <returns>The names of topics that turned out to exist already.</returns>
    private async Task<HashSet<string>> CreateAsync(IReadOnlyList<TopicSpec> specs)
    {
        var requests = specs.Select(s => new TopicSpecification
        {
            Name = s.Name,
            NumPartitions = s.Partitions,
            ReplicationFactor = s.ReplicationFactor,
            Configs = new Dictionary<string, string>(s.CreationConfigs(), StringComparer.Ordinal),
        });
        var options = new CreateTopicsOptions { RequestTimeout = _timeout, OperationTimeout = _timeout };
        string names = string.Join(", ", specs.Select(s => s.Name));
        try
        {
            await _adminClient.CreateTopicsAsync(requests, options);
            return [];
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.IsError && r.Error.Code != ErrorCode.TopicAlreadyExists).ToList();
            if (failed.Count > 0)
            {
                throw new TopicProvisioningException(
                    "The cluster refused to create " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason} ({r.Error.Code})")),
                    [.. failed.Select(r => r.Topic)], e);
            }

            return [.. e.Results.Where(r => r.Error.Code == ErrorCode.TopicAlreadyExists).Select(r => r.Topic)];
        }
        catch (KafkaException e)
        {
            throw new TopicProvisioningException(
                $"Could not create topics {names}: {e.Error.Reason} ({e.Error.Code}). Does the cluster support CreateTopics "
                + "(the embedded broker does not) and may this client create topics?",
                [.. specs.Select(s => s.Name)], e);
        }
    }

    /// <returns>The partition counts last read.</returns>
    private async Task<IReadOnlyDictionary<string, int>> WaitUntilVisibleAsync(IReadOnlyList<string> expected, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            var counts = await ReadPartitionCountsAsync(cancellationToken);
            var missing = expected.Where(t => !counts.ContainsKey(t)).ToList();
            if (missing.Count == 0)
            {
                return counts;
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > _timeout)
            {
                AdminLog.NotYetVisible(_logger, string.Join(", ", missing), elapsed.TotalSeconds);
                return counts;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private void LogExisting(TopicStatus status, IReadOnlyList<TopicSpec> topics)
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
}
