using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace StreamRnn.Kafka.Embedded;

/// <summary>
/// An in-process Kafka cluster: librdkafka's mock cluster, speaking the real wire protocol over TCP on
/// 127.0.0.1, driven through the same librdkafka image that Confluent.Kafka uses.
/// </summary>
/// <remarks>
/// <para>
/// Any Kafka client can connect to <see cref="BootstrapServers"/>: Confluent.Kafka in this process, <c>kcat</c>
/// or another process. Ports are chosen by the operating system and cannot be fixed. Broker ids run from 1 to the
/// broker count. Produce, fetch, list offsets, metadata, offset commit/fetch and consumer groups (eager,
/// cooperative-sticky and KIP-848) work; data lives in memory only.
/// </para>
/// <para>What the mock does not do, unlike real Kafka:</para>
/// <list type="bullet">
/// <item>No CreateTopics, DeleteTopics, DescribeConfigs, AlterConfigs, ListGroups, DescribeGroups or DeleteRecords:
/// <c>IAdminClient.CreateTopicsAsync</c> times out. Create topics with <see cref="CreateTopic"/>. Topics a producer
/// names are auto-created with 4 partitions; a consumer subscribing to a missing topic gets "Unknown topic or
/// partition".</item>
/// <item>No compaction and no topic configurations: a changelog is never compacted, so a restore reads every record
/// and keeps the last one per key.</item>
/// <item>Each partition keeps at most about 5 MiB or 100,000 batches and silently drops older data (the log start
/// offset moves): a consumer further behind than that resets and loses records. Size load tests and changelogs
/// accordingly (more partitions, paced producers).</item>
/// <item>Transactions are accepted but not honoured: read_committed consumers see aborted and open transactions,
/// offsets sent with <c>SendOffsetsToTransaction</c> are not stored and a fenced producer can still commit, so
/// exactly-once cannot be demonstrated against this broker.</item>
/// <item>Group timing: a group's first join is immediate because the initial rebalance delay is set to 0 here (real
/// brokers wait 3 s). With the classic protocol, every later rebalance (a member joining or leaving cleanly) waits
/// <c>session.timeout.ms</c> − 1 s before the new generation is formed, twice over for cooperative-sticky; the mock
/// accepts session timeouts below a real broker's 6 s minimum, which keeps tests fast. With KIP-848
/// (<c>group.protocol=consumer</c>) assignments move with the next heartbeat
/// (<see cref="SetGroupConsumerHeartbeatInterval"/>). A killed member's partitions move after about its session
/// timeout.</item>
/// </list>
/// <para>
/// Dispose every client (producers, consumers, admin clients) connected to the cluster before disposing it: a
/// consumer's <c>Close</c> otherwise waits out its <c>session.timeout.ms</c> and its log fills with
/// connection-refused errors.
/// </para>
/// <para>Linux only (see <see cref="LibrdkafkaLocator"/>).</para>
/// </remarks>
public sealed unsafe class EmbeddedKafkaCluster : IDisposable
{
    /// <summary><c>RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS</c>.</summary>
    private const int TopicAlreadyExists = 36;

    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly LibrdkafkaMockApi _api;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private GCHandle _self;
    private nint _host;
    private nint _cluster;
    private bool _disposed;

    private EmbeddedKafkaCluster(LibrdkafkaMockApi api, int brokers, ILogger logger)
    {
        _api = api;
        _logger = logger;
        BrokerCount = brokers;
        _self = GCHandle.Alloc(this, GCHandleType.Weak);

        nint conf = api.ConfNew();
        try
        {
            // The host handle never connects anywhere; it only owns the mock cluster's thread and sockets.
            api.SetConfig(conf, "client.id", "streamrnn-embedded-broker");
            api.ConfSetOpaque(conf, GCHandle.ToIntPtr(_self));
            api.ConfSetLogCallback(conf, &OnNativeLog);
        }
        catch
        {
            api.ConfDestroy(conf);
            _self.Free();
            throw;
        }

        byte* error = stackalloc byte[512];
        _host = api.KafkaNew(LibrdkafkaMockApi.ProducerType, conf, error, 512);
        if (_host == 0)
        {
            // rd_kafka_new only takes ownership of the configuration when it succeeds.
            api.ConfDestroy(conf);
            _self.Free();
            throw new KafkaException(new Error(ErrorCode.Local_Fail,
                $"Cannot create the librdkafka handle hosting the mock cluster: {Marshal.PtrToStringUTF8((nint)error)}"));
        }

        _cluster = api.ClusterNew(_host, brokers);
        if (_cluster == 0)
        {
            api.KafkaDestroy(_host);
            _self.Free();
            throw new KafkaException(new Error(ErrorCode.Local_Fail, $"librdkafka could not create a mock cluster with {brokers} broker(s)."));
        }

        BootstrapServers = Marshal.PtrToStringUTF8((nint)api.ClusterBootstraps(_cluster))
            ?? throw new KafkaException(new Error(ErrorCode.Local_Fail, "The mock cluster reported no bootstrap servers."));

        // Real brokers delay a new group's first rebalance by 3 s to gather members; tests and a local broker want
        // the first consumer to start at once.
        api.GroupInitialRebalanceDelayMs(_cluster, 0);
        EmbeddedKafkaLog.Started(logger, brokers, BootstrapServers, Library.VersionString, api.LibraryPath);
    }

    /// <summary>The <c>bootstrap.servers</c> list of the cluster, e.g. <c>127.0.0.1:40123,127.0.0.1:40125</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>The librdkafka file shared with Confluent.Kafka.</summary>
    public string LibrdkafkaPath => _api.LibraryPath;

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers listening on 127.0.0.1.</summary>
    /// <param name="brokers">Number of brokers, at least 1.</param>
    /// <param name="logger">Receives the cluster's lifecycle events and librdkafka's own log lines.</param>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="KafkaException">librdkafka could not create the cluster.</exception>
    public static EmbeddedKafkaCluster Start(int brokers = 1, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        return new EmbeddedKafkaCluster(LibrdkafkaMockApi.Instance, brokers, logger ?? NullLogger.Instance);
    }

    /// <summary>Creates a topic, or confirms that it exists with the same number of partitions.</summary>
    /// <returns><see langword="true"/> if the topic was created, <see langword="false"/> if it already existed with
    /// <paramref name="partitions"/> partitions.</returns>
    /// <exception cref="InvalidOperationException">The topic exists with a different partition count (for instance
    /// because a producer auto-created it with 4 partitions); the mock cannot change a topic's partition count.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="replicationFactor"/> exceeds the broker count.</exception>
    public bool CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);

        int result;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fixed (byte* topic = LibrdkafkaMockApi.Utf8(name))
            {
                result = _api.TopicCreate(_cluster, topic, partitions, replicationFactor);
            }
        }

        if (result == 0)
        {
            EmbeddedKafkaLog.TopicCreated(_logger, name, partitions, replicationFactor);
            return true;
        }

        if (result != TopicAlreadyExists)
        {
            throw new KafkaException(new Error((ErrorCode)result, $"The mock cluster could not create topic {name}."));
        }

        int existing = GetPartitionCount(name)
            ?? throw new InvalidOperationException($"Topic {name} is reported to exist but is missing from the cluster's metadata.");
        if (existing != partitions)
        {
            throw new InvalidOperationException(
                $"Topic {name} already exists with {existing} partition(s), not {partitions}; the embedded broker cannot change a topic's partition count.");
        }

        EmbeddedKafkaLog.TopicExists(_logger, name, existing);
        return false;
    }

    /// <summary>Reads a topic's partition count from the cluster's metadata.</summary>
    /// <returns>The partition count, or <see langword="null"/> if the topic does not exist.</returns>
    public int? GetPartitionCount(string topic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        return GetPartitionCounts().TryGetValue(topic, out int count) ? count : null;
    }

    /// <summary>Reads every topic's partition count from the cluster's metadata, through a short-lived admin client.</summary>
    /// <remarks>Asks for the metadata of all topics: a request naming a missing topic would auto-create it. Takes
    /// about 0.2 s (mostly the client's start and stop); if the cluster is disposed meanwhile it fails with a
    /// <see cref="KafkaException"/> after 10 s.</remarks>
    public IReadOnlyDictionary<string, int> GetPartitionCounts()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers })
            .SetLogHandler((_, message) => LogFromClient(message))
            .Build();
        return admin.GetMetadata(MetadataTimeout).Topics
            .Where(t => t.Error.Code != ErrorCode.UnknownTopicOrPart)
            .ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
    }

    /// <summary>Makes <paramref name="brokerId"/> the leader of one partition (the topic is created if missing).</summary>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        Invoke($"partition {topic}[{partition}] led by broker {brokerId}", (api, c) =>
        {
            fixed (byte* name = LibrdkafkaMockApi.Utf8(topic))
            {
                return api.PartitionSetLeader(c, name, partition, brokerId);
            }
        });
    }

    /// <summary>Sets the broker-side <c>group.initial.rebalance.delay.ms</c> (0 from <see cref="Start"/>).</summary>
    public void SetInitialRebalanceDelay(TimeSpan delay)
    {
        int milliseconds = ToMilliseconds(delay);
        Invoke($"initial rebalance delay {milliseconds} ms", (api, c) => { api.GroupInitialRebalanceDelayMs(c, milliseconds); return 0; });
    }

    /// <summary>Sets the broker-side <c>group.consumer.session.timeout.ms</c> of KIP-848 consumer groups
    /// (<c>group.protocol=consumer</c>); classic groups use the client's <c>session.timeout.ms</c>.</summary>
    public void SetGroupConsumerSessionTimeout(TimeSpan timeout)
    {
        int milliseconds = ToMilliseconds(timeout);
        Invoke($"KIP-848 session timeout {milliseconds} ms", (api, c) => { api.GroupConsumerSessionTimeoutMs(c, milliseconds); return 0; });
    }

    /// <summary>Sets the broker-side <c>group.consumer.heartbeat.interval.ms</c> of KIP-848 consumer groups: how often
    /// members heartbeat, and so how soon they learn of a new assignment.</summary>
    public void SetGroupConsumerHeartbeatInterval(TimeSpan interval)
    {
        int milliseconds = ToMilliseconds(interval);
        ArgumentOutOfRangeException.ThrowIfZero(milliseconds, nameof(interval));
        Invoke($"KIP-848 heartbeat interval {milliseconds} ms", (api, c) => { api.GroupConsumerHeartbeatIntervalMs(c, milliseconds); return 0; });
    }

    /// <summary>Disconnects a broker's clients and refuses new connections until <see cref="SetBrokerUp"/>.
    /// Partition leadership does not move.</summary>
    /// <param name="brokerId">A broker id (1 to <see cref="BrokerCount"/>), or -1 for all brokers.</param>
    public void SetBrokerDown(int brokerId) =>
        Invoke($"broker {brokerId} down", (api, c) => api.BrokerSetDown(c, CheckBroker(brokerId)));

    /// <summary>Lets a broker accept connections again.</summary>
    /// <param name="brokerId">A broker id, or -1 for all brokers.</param>
    public void SetBrokerUp(int brokerId) =>
        Invoke($"broker {brokerId} up", (api, c) => api.BrokerSetUp(c, CheckBroker(brokerId)));

    /// <summary>Delays every response of a broker by <paramref name="roundTrip"/>.</summary>
    /// <param name="brokerId">A broker id, or -1 for all brokers.</param>
    /// <param name="roundTrip">The added round-trip time; <see cref="TimeSpan.Zero"/> removes it.</param>
    public void SetBrokerRtt(int brokerId, TimeSpan roundTrip)
    {
        int milliseconds = ToMilliseconds(roundTrip);
        Invoke($"broker {brokerId} rtt {milliseconds} ms", (api, c) => api.BrokerSetRtt(c, CheckBroker(brokerId), milliseconds));
    }

    /// <summary>Makes the next <c>errors.Length</c> requests of type <paramref name="apiKey"/>, on any broker, fail
    /// with the given errors in order.</summary>
    /// <remarks><see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead of answering.</remarks>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentOutOfRangeException.ThrowIfZero(errors.Length);
        int[] codes = Array.ConvertAll(errors, e => (int)e);
        Invoke($"{apiKey} fails with {string.Join(", ", errors)}", (api, c) =>
        {
            fixed (int* pointer = codes)
            {
                api.PushRequestErrorsArray(c, (short)apiKey, (nuint)codes.Length, pointer);
            }

            return 0;
        });
    }

    /// <summary>Drops the errors still queued for <paramref name="apiKey"/> by <see cref="PushRequestErrors"/>.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey) =>
        Invoke($"{apiKey} errors cleared", (api, c) => { api.ClearRequestErrors(c, (short)apiKey); return 0; });

    /// <summary>Stops the brokers, closes their ports and frees the cluster's memory and threads.</summary>
    /// <remarks>
    /// Idempotent and safe to call from several threads: the first call does the work, concurrent calls wait for it,
    /// and other members then throw <see cref="ObjectDisposedException"/>. Takes well under 100 ms when every client
    /// has been disposed first; clients still connected see their connections refused from then on.
    /// </remarks>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            _api.ClusterDestroy(_cluster);
            _cluster = 0;
            _api.KafkaDestroy(_host);
            _host = 0;

            // Freed only now: librdkafka may log from its threads until rd_kafka_destroy has joined them.
            _self.Free();
        }

        EmbeddedKafkaLog.Stopped(_logger, BootstrapServers);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNativeLog(nint rk, int level, byte* facility, byte* text)
    {
        try
        {
            nint opaque = LibrdkafkaMockApi.Instance.Opaque(rk);
            if (opaque != 0 && GCHandle.FromIntPtr(opaque).Target is EmbeddedKafkaCluster owner)
            {
                string name = Marshal.PtrToStringUTF8((nint)facility) ?? string.Empty;
                string line = Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;

                // The host handle has no bootstrap.servers by design (it serves, it does not connect), and
                // librdkafka warns about that on every start.
                var logLevel = name == "CONFWARN" && line.Contains("bootstrap.servers", StringComparison.Ordinal)
                    ? LogLevel.Debug
                    : ToLogLevel(level);
                EmbeddedKafkaLog.Native(owner._logger, logLevel, name, line);
            }
        }
#pragma warning disable CA1031 // An exception must never unwind into librdkafka's threads.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }

    /// <summary>Maps syslog levels (0 emergency … 7 debug), which librdkafka uses, onto <see cref="LogLevel"/>.</summary>
    private static LogLevel ToLogLevel(int syslogLevel) => syslogLevel switch
    {
        <= 2 => LogLevel.Critical,
        3 => LogLevel.Error,
        4 => LogLevel.Warning,
        5 or 6 => LogLevel.Information,
        _ => LogLevel.Debug,
    };

    private static int ToMilliseconds(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromMilliseconds(int.MaxValue));
        return (int)value.TotalMilliseconds;
    }

    private int CheckBroker(int brokerId)
    {
        if (brokerId != -1 && (brokerId < 1 || brokerId > BrokerCount))
        {
            throw new ArgumentOutOfRangeException(nameof(brokerId), brokerId, $"Broker ids are 1 to {BrokerCount}, or -1 for all.");
        }

        return brokerId;
    }

    private void LogFromClient(LogMessage message) =>
        EmbeddedKafkaLog.Native(_logger, ToLogLevel((int)message.Level), message.Facility, message.Message);

    private void Invoke(string description, Func<LibrdkafkaMockApi, nint, int> call)
    {
        int result;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            result = call(_api, _cluster);
        }

        if (result != 0)
        {
            throw new KafkaException(new Error((ErrorCode)result, $"Mock cluster refused: {description}."));
        }

        EmbeddedKafkaLog.Changed(_logger, description);
    }
}
