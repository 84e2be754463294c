using System.Collections.Concurrent;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using StreamRnn.Core;
using StreamRnn.Engine;

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
    private readonly StreamProcessorOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Dictionary<string, PipelineBinding> byTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineBinding> byName = new(StringComparer.Ordinal);
    private readonly PartitionPositions positions = new();
    private readonly ConcurrentQueue<Action> queries = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OutputTracker tracker;
    private readonly StreamRnnMetrics? metrics;
    private readonly PartitionSnapshotStore snapshots;
    private readonly BrokerProbe broker;
    private Thread? thread;
    private IConsumer<byte[], byte[]>? consumer;
    private IProducer<byte[], byte[]>? producer;
    private ChangelogRestorer? restorer;
    private Backpressure? backpressure;
    private LagReporter? lag;
    private PartitionOwnership? ownership;
    private CommitProtocol? commit;
    private RecordDispatcher? dispatcher;
    private volatile bool failed;
    private long lastSnapshot;
    private long lastEviction;

    public StreamProcessor(StreamProcessorOptions options, IReadOnlyList<PipelineRuntime> pipelines, ILogger<StreamProcessor> logger,
        StreamRnnMetrics? metrics = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        this.options = options;
        this.logger = logger;
        this.time = time ?? TimeProvider.System;
        this.metrics = metrics;
        tracker = new OutputTracker(metrics);
        snapshots = new PartitionSnapshotStore(options.StateDirectory);
        broker = new BrokerProbe(Status, logger);
        foreach (var runtime in pipelines)
        {
            var binding = new PipelineBinding(runtime, options.MaxPollRecords);
            if (!byTopic.TryAdd(runtime.Definition.InputTopic, binding))
            {
                throw new ArgumentException($"Two pipelines read the same input topic '{runtime.Definition.InputTopic}'", nameof(pipelines));
            }

            byName.Add(runtime.Definition.Name, binding);
        }
    }

    /// <summary>What the loop reports about itself (readiness, counters).</summary>
    public ProcessorStatus Status { get; } = new();

    /// <summary>Completes when the loop has stopped: normally after <see cref="StopAsync"/>, faulted on a fatal error.</summary>
    public Task Completion => completion.Task;

    /// <summary>The output tracker, for tests and metrics: outputs in flight and the first delivery failure.</summary>
    public OutputTracker Outputs => tracker;

    /// <summary>Times fetching was paused because outputs were not acknowledged fast enough.</summary>
    public long BackpressurePauses => backpressure?.Pauses ?? 0;

    /// <summary>
    /// Makes a pipeline read its weights from <paramref name="source"/> (e.g. a trainer's champion registry) before
    /// every batch. Call before <see cref="Start"/>.
    /// </summary>
    public void UseWeightsFrom(string pipeline, Func<ModelWeights> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (thread is not null)
        {
            throw new InvalidOperationException("Weight sources are set before the loop starts.");
        }

        byName[pipeline].WeightSource = source;
    }

    /// <summary>Starts the loop on its own thread.</summary>
    public void Start()
    {
        if (thread is not null)
        {
            throw new InvalidOperationException("The stream processor was already started.");
        }

        thread = new Thread(Run) { Name = "streamrnn-consumer", IsBackground = false };
        thread.Start();
    }

    /// <summary>
    /// Stops fetching, processes what was fetched, flushes outputs and state, commits, leaves the group. Returns when
    /// the loop has stopped or <paramref name="cancellation"/> fires.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellation = default)
    {
        stopping.Cancel();
        if (thread is null)
        {
            return;
        }

        try
        {
            await completion.Task.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception) when (completion.Task.IsFaulted)
        {
            // The fatal error was reported where it happened; stopping itself succeeded.
        }
    }

    /// <summary>
    /// Runs <paramref name="query"/> against a pipeline's runtime on the loop thread (which owns it) between batches.
    /// </summary>
    public Task<T> QueryAsync<T>(string pipeline, Func<PipelineRuntime, T> query, CancellationToken cancellation = default)
    {
        if (!byName.TryGetValue(pipeline, out var binding))
        {
            throw new KeyNotFoundException($"No pipeline named '{pipeline}'.");
        }

        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        queries.Enqueue(() =>
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
            ProcessorLog.Started(logger, options.GroupId, string.Join(',', byTopic.Keys), options.Delivery);
            Status.Running = true;
            while (!stopping.IsCancellationRequested)
            {
                tracker.ThrowIfFailed();
                ServeQueries();
                backpressure!.Apply(ownership!.Restoring);
                var taken = dispatcher!.Poll();
                if (taken > 0)
                {
                    dispatcher.ProcessBuffers();
                }

                ownership.StepRestores();

                RunPeriodicWork();
            }

            ShutDown();
        }
        catch (Exception e)
        {
            failed = true;
            error = e;
            var reason = e is KafkaException k ? $"{k.Error.Reason} ({k.Error.Code})" : e.Message;
            Status.FatalError = reason;
            ProcessorLog.Fatal(logger, reason);
        }
        finally
        {
            Status.Running = false;
            CloseClients();
        }

        // Completion is signalled only once the clients are closed, so the broker may be stopped right after.
        if (error is null)
        {
            completion.TrySetResult();
        }
        else
        {
            completion.TrySetException(error);
        }
    }

    private void RunPeriodicWork()
    {
        var now = time.GetTimestamp();
        if (time.GetElapsedTime(lastEviction, now) >= options.EvictionInterval)
        {
            commit!.OnEvictionDue();
            lastEviction = now;
        }

        if (commit!.IsDue(now))
        {
            if (commit.Commit() && time.GetElapsedTime(lastSnapshot, now) >= options.SnapshotInterval)
            {
                commit.WriteSnapshots(ownership!.Owned);
                lastSnapshot = now;
            }
        }

        lag!.ReportIfDue(now, ownership!.Owned);
    }

    private void Initialise()
    {
        var consumerConfig = ProcessorClientConfig.Consumer(options);
        var producerConfig = ProcessorClientConfig.Producer(options);
        producer = new ProducerBuilder<byte[], byte[]>(producerConfig)
            .SetErrorHandler((_, error) => broker.OnClientError(error))
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .Build();
        foreach (var binding in byName.Values)
        {
            binding.Sink = new KafkaRecordSink(producer, binding.Runtime.Definition, tracker, metrics, logger, KafkaRecordSink.MaxMessageBytes(options.ClientConfig));
            binding.Metrics = metrics?.ForPipeline(binding.Runtime.Definition.Name);
        }

        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            producer.InitTransactions(options.ShutdownTimeout);
        }

        restorer = new ChangelogRestorer(consumerConfig, snapshots, logger);
        consumer = new ConsumerBuilder<byte[], byte[]>(consumerConfig)
            .SetErrorHandler((_, error) => broker.OnClientError(error))
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .SetPartitionsAssignedHandler((_, partitions) => ownership!.OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => ownership!.OnLost(partitions))
            .Build();
        backpressure = new Backpressure(consumer, producer, tracker, options.MaxInFlightOutputs, metrics, logger);
        lag = new LagReporter(consumer, positions, byName, metrics, time);
        ownership = new PartitionOwnership(consumer, restorer, byTopic, byName, positions, backpressure, lag, Status, metrics, logger);
        commit = CommitProtocol.For(new CommitParts(options, time, consumer, producer, tracker, ownership, positions, byTopic, byName,
            snapshots, Status, logger), stopping.Token);
        dispatcher = new RecordDispatcher(consumer, byTopic, byName, ownership, positions, commit, Status, options.MaxPollRecords, logger,
            stopping.Token);
        broker.Start(producer.Handle);
        consumer.Subscribe(byTopic.Keys);
        var now = time.GetTimestamp();
        lastSnapshot = lastEviction = now;
    }

    private void ServeQueries()
    {
        while (queries.TryDequeue(out var query))
        {
            query();
        }
    }

    private void ShutDown()
    {
        ownership!.CancelRestores(ownership.Restoring.ToList());
        dispatcher!.ProcessBuffers();
        if (commit!.Commit())
        {
            commit.WriteSnapshots(ownership.Owned);
        }

        ProcessorLog.Stopped(logger);
    }

    /// <summary>Revoked: process what was fetched, commit, snapshot, drop (after a fatal error: drop only).</summary>
    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        var all = partitions.Select(p => p.TopicPartition).ToList();
        ProcessorLog.Revoked(logger, string.Join(", ", all));
        ownership!.CancelRestores(all);
        if (failed)
        {
            // After a fatal error nothing more is committed: the new owner replays from the last good commit.
            ownership.Forget(all);
            return;
        }

        dispatcher!.ProcessBuffers();
        var revoked = all.Where(ownership.Owned.Contains).ToList();
        if (commit!.Commit())
        {
            commit.WriteSnapshots(revoked.Where(ownership.Owned.Contains));
        }

        ownership.Forget(revoked);
    }

    private void CloseClients()
    {
        broker.Stop();
        try
        {
            consumer?.Close();
        }
        catch (KafkaException e)
        {
            ProcessorLog.ConsumeError(logger, e.Error.Reason);
        }

        consumer?.Dispose();
        consumer = null;
        restorer?.Dispose();
        restorer = null;
        producer?.Dispose();
        producer = null;
    }

    /// <summary>Stops the loop if it still runs and waits for it. Idempotent.</summary>
    public void Dispose()
    {
        // The token source is not disposed: other threads may still ask it, and it holds no timer.
        stopping.Cancel();
        thread?.Join(options.ShutdownTimeout + TimeSpan.FromSeconds(5));
    }
}
