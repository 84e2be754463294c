using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Core;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// The consumer loop: one dedicated thread owns the consumer, the producer's transaction (if any), every assigned
/// partition and the key states of every pipeline, so that state needs no locks.
/// </summary>
/// <remarks>
/// <para>Per iteration: take up to <c>MaxPollRecords</c> records, hand each pipeline its records in offset order
/// (the runtime micro-batches across keys), and every <c>CommitInterval</c> commit.</para>
/// <para>Commit, at-least-once: (1) wait until every output produced so far is acknowledged, (2) write one
/// changelog record per changed key and wait for those, (3) commit the input offsets. Step 1 before step 2 means a
/// changelog state never claims a record whose prediction could still be lost; step 2 before 3 means a committed
/// offset is always covered by durable state. After a crash, records between the committed offset and a key's
/// applied offset are skipped by the runtime; the rest are processed again (their outputs may repeat; each names
/// its source offset).</para>
/// <para>Exactly-once: outputs, changelog records and offsets go in one transaction per commit interval.</para>
/// <para>Partitions: assigned → paused and restored (snapshot, then changelog) incrementally from the loop, which keeps
/// polling, then resumed; revoked → process what was fetched, commit, snapshot, drop; lost → drop without committing.</para>
/// <para>Fenced state: changelog records, tombstones and snapshots are written only after a generation-checked
/// offset commit (the membership probe) succeeded in the same commit cycle; a commit that finds the instance out of
/// its group's generation drops every partition's unflushed state before anything else is written.</para>
/// <para>The loop composes one collaborator per job: <see cref="RecordDispatcher"/> (fetch and process),
/// <see cref="PartitionOwnership"/> (assignment, restore, loss, fencing), <see cref="CommitProtocol"/> (per delivery
/// mode), <see cref="Backpressure"/>, <see cref="LagReporter"/> and <see cref="BrokerProbe"/>; this class runs the
/// loop, its schedule and revocation, which involves them all.</para>
/// </remarks>
public sealed class StreamProcessor : IDisposable
{
    private readonly StreamProcessorOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, PipelineBinding> _byTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineBinding> _byName = new(StringComparer.Ordinal);
    private readonly PartitionPositions _positions = new();
    private readonly ConcurrentQueue<Action> _queries = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OutputTracker _tracker;
    private readonly StreamRnnMetrics? _metrics;
    private readonly PartitionSnapshotStore _snapshots;
    private readonly BrokerProbe _broker;
    private Thread? _thread;
    private IConsumer<byte[], byte[]>? _consumer;
    private IProducer<byte[], byte[]>? _producer;
    private ChangelogRestorer? _restorer;
    private Backpressure? _backpressure;
    private LagReporter? _lag;
    private PartitionOwnership? _ownership;
    private CommitProtocol? _commit;
    private RecordDispatcher? _dispatcher;
    private volatile bool _failed;

    // Set once the loop's own final commit is done and the consumer is closing: the revocation Close() raises then
    // commits nothing more (a synchronous commit inside Close, mid-rebalance, can block the close).
    private volatile bool _closing;
    private long _lastSnapshot;
    private long _lastEviction;

    public StreamProcessor(StreamProcessorOptions options, IReadOnlyList<PipelineRuntime> pipelines, ILogger<StreamProcessor> logger,
        StreamRnnMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _metrics = metrics;
        _tracker = new OutputTracker(metrics);
        _snapshots = new PartitionSnapshotStore(options.StateDirectory);
        _broker = new BrokerProbe(Status, logger);
        foreach (var runtime in pipelines)
        {
            var binding = new PipelineBinding(runtime, options.MaxPollRecords);
            if (!_byTopic.TryAdd(runtime.Definition.InputTopic, binding))
            {
                throw new ArgumentException($"Two pipelines read the same input topic '{runtime.Definition.InputTopic}'", nameof(pipelines));
            }

            _byName.Add(runtime.Definition.Name, binding);
        }
    }

    /// <summary>What the loop reports about itself (readiness, counters).</summary>
    public ProcessorStatus Status { get; } = new();

    /// <summary>Completes when the loop has stopped: normally after <see cref="StopAsync"/>, faulted on a fatal error.</summary>
    public Task Completion => _completion.Task;

    /// <summary>The output tracker, for tests and metrics: outputs in flight and the first delivery failure.</summary>
    public OutputTracker Outputs => _tracker;

    /// <summary>Times fetching was paused because outputs were not acknowledged fast enough.</summary>
    public long BackpressurePauses => _backpressure?.Pauses ?? 0;

    /// <summary>
    /// Makes a pipeline read its weights from <paramref name="source"/> (e.g. a trainer's champion registry) before
    /// every batch. Call before <see cref="Start"/>.
    /// </summary>
    public void UseWeightsFrom(string pipeline, Func<ModelWeights> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (_thread is not null)
        {
            throw new InvalidOperationException("Weight sources are set before the loop starts.");
        }

        _byName[pipeline].WeightSource = source;
    }

    /// <summary>Starts the loop on its own thread.</summary>
    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("The stream processor was already started.");
        }

        _thread = new Thread(Run) { Name = "streamrnn-consumer", IsBackground = false };
        _thread.Start();
    }

    /// <summary>
    /// Stops fetching, processes what was fetched, flushes outputs and state, commits, leaves the group. Returns when
    /// the loop has stopped or <paramref name="cancellation"/> fires.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellation = default)
    {
        _stopping.Cancel();
        if (_thread is null)
        {
            return;
        }

        try
        {
            await _completion.Task.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception) when (_completion.Task.IsFaulted)
        {
            // The fatal error was reported where it happened; stopping itself succeeded.
        }
    }

    /// <summary>
    /// Runs <paramref name="query"/> against a pipeline's runtime on the loop thread (which owns it) between batches.
    /// </summary>
    public Task<T> QueryAsync<T>(string pipeline, Func<PipelineRuntime, T> query, CancellationToken cancellation = default)
    {
        if (!_byName.TryGetValue(pipeline, out var binding))
        {
            throw new KeyNotFoundException($"No pipeline named '{pipeline}'.");
        }

        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queries.Enqueue(() =>
        {
            try
            {
                result.TrySetResult(query(binding.Runtime));
            }
            catch (Exception e)
            {
                result.TrySetException(e);
            }
        });
        return result.Task.WaitAsync(cancellation);
    }

    private void Run()
    {
        Exception? error = null;
        try
        {
            Initialise();
            ProcessorLog.Started(_logger, _options.GroupId, string.Join(',', _byTopic.Keys), _options.Delivery);
            Status.Running = true;
            while (!_stopping.IsCancellationRequested)
            {
                _tracker.ThrowIfFailed();
                ServeQueries();
                _backpressure!.Apply(_ownership!.Restoring);
                int taken = _dispatcher!.Poll();
                if (taken > 0)
                {
                    _dispatcher.ProcessBuffers();
                }

                _ownership.StepRestores();

                RunPeriodicWork();
            }

            ShutDown();
        }
        catch (Exception e)
        {
            _failed = true;
            error = e;
            string reason = e is KafkaException k ? $"{k.Error.Reason} ({k.Error.Code})" : e.Message;
            Status.FatalError = reason;
            ProcessorLog.Fatal(_logger, reason);
        }
        finally
        {
            Status.Running = false;
            CloseClients();
        }

        // Completion is signalled only once the clients are closed, so the broker may be stopped right after.
        if (error is null)
        {
            _completion.TrySetResult();
        }
        else
        {
            _completion.TrySetException(error);
        }
    }

    private void RunPeriodicWork()
    {
        long now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_lastEviction, now) >= _options.EvictionInterval)
        {
            _commit!.OnEvictionDue();
            _lastEviction = now;
        }

        if (_commit!.IsDue(now))
        {
            if (_commit.Commit() && _time.GetElapsedTime(_lastSnapshot, now) >= _options.SnapshotInterval)
            {
                _commit.WriteSnapshots(_ownership!.Owned);
                _lastSnapshot = now;
            }
        }

        _lag!.ReportIfDue(now, _ownership!.Owned);
    }

    private void Initialise()
    {
        var consumerConfig = ProcessorClientConfig.Consumer(_options);
        var producerConfig = ProcessorClientConfig.Producer(_options);
        _producer = new ProducerBuilder<byte[], byte[]>(producerConfig)
            .SetErrorHandler((_, error) => _broker.OnClientError(error))
            .SetLogHandler((_, message) => ProcessorLog.Client(_logger, message))
            .Build();
        foreach (var binding in _byName.Values)
        {
            binding.Sink = new KafkaRecordSink(_producer, binding.Runtime.Definition, _tracker, _metrics, _logger, KafkaRecordSink.MaxMessageBytes(_options.ClientConfig));
            binding.Metrics = _metrics?.ForPipeline(binding.Runtime.Definition.Name);
        }

        if (_options.Delivery == DeliveryMode.ExactlyOnce)
        {
            _producer.InitTransactions(_options.ShutdownTimeout);
        }

        _restorer = new ChangelogRestorer(consumerConfig, _snapshots, _logger);
        _consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig)
            .SetErrorHandler((_, error) => _broker.OnClientError(error))
            .SetLogHandler((_, message) => ProcessorLog.Client(_logger, message))
            .SetPartitionsAssignedHandler((_, partitions) => _ownership!.OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => _ownership!.OnLost(partitions))
            .Build();
        _backpressure = new Backpressure(_consumer, _producer, _tracker, _options.MaxInFlightOutputs, _metrics, _logger);
        _lag = new LagReporter(_consumer, _positions, _byName, _metrics, _time);
        _ownership = new PartitionOwnership(_consumer, _restorer, _byTopic, _byName, _positions, _backpressure, _lag, Status, _metrics, _logger);
        _commit = CommitProtocol.For(new CommitParts(_options, _time, _consumer, _producer, _tracker, _ownership, _positions, _byTopic, _byName,
            _snapshots, Status, _logger), _stopping.Token);
        _dispatcher = new RecordDispatcher(_consumer, _byTopic, _byName, _ownership, _positions, _commit, Status, _options.MaxPollRecords, _logger,
            _stopping.Token);
        _broker.Start(_producer.Handle);
        _consumer.Subscribe(_byTopic.Keys);
        long now = _time.GetTimestamp();
        _lastSnapshot = _lastEviction = now;
    }

    private void ServeQueries()
    {
        while (_queries.TryDequeue(out var query))
        {
            query();
        }
    }

    private void ShutDown()
    {
        _ownership!.CancelRestores(_ownership.Restoring.ToList());
        _dispatcher!.ProcessBuffers();
        if (_commit!.Commit())
        {
            _commit.WriteSnapshots(_ownership.Owned);
        }

        ProcessorLog.Stopped(_logger);
    }

    /// <summary>Revoked: process what was fetched, commit, snapshot, drop (after a fatal error: drop only).</summary>
    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var all = partitions.Select(p => p.TopicPartition).ToList();
        ProcessorLog.Revoked(_logger, string.Join(", ", all));
        _ownership!.CancelRestores(all);
        if (_failed || _closing)
        {
            // After a fatal error nothing more is committed: the new owner replays from the last good commit. On close,
            // the final commit and snapshots were done by ShutDown (or deferred: the next owner replays from the last
            // commit, its state from the changelog then); nothing has been consumed since.
            _ownership.Forget(all);
            return;
        }

        _dispatcher!.ProcessBuffers();
        var revoked = all.Where(_ownership.Owned.Contains).ToList();
        if (_commit!.Commit())
        {
            _commit.WriteSnapshots(revoked.Where(_ownership.Owned.Contains));
        }

        _ownership.Forget(revoked);
    }

    private void CloseClients()
    {
        _broker.Stop();
        _closing = true;
        try
        {
            _consumer?.Close();
        }
        catch (KafkaException e)
        {
            ProcessorLog.ConsumeError(_logger, e.Error.Reason);
        }

        _consumer?.Dispose();
        _consumer = null;
        _restorer?.Dispose();
        _restorer = null;
        _producer?.Dispose();
        _producer = null;
    }

    /// <summary>Stops the loop if it still runs and waits for it. Idempotent.</summary>
    public void Dispose()
    {
        // The token source is not disposed: other threads may still ask it, and it holds no timer.
        _stopping.Cancel();
        _thread?.Join(_options.ShutdownTimeout + TimeSpan.FromSeconds(5));
    }
}
