using System.Collections.Concurrent;
using System.Diagnostics;
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
/// <para>Partitions: assigned → restore (snapshot, then changelog) before their first record; revoked → process
/// what was fetched, commit, snapshot, drop; lost → drop without committing.</para>
/// </remarks>
public sealed class StreamProcessor : IDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan FlushSlice = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LagInterval = TimeSpan.FromSeconds(2);

    private readonly StreamProcessorOptions options;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Dictionary<string, PipelineBinding> byTopic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineBinding> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<TopicPartition, long> nextOffsets = [];
    private readonly Dictionary<TopicPartition, long> committedOffsets = [];
    private readonly Dictionary<TopicPartition, long> changelogPositions = [];
    private readonly HashSet<TopicPartition> owned = [];
    private readonly ConcurrentQueue<Action> queries = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OutputTracker tracker;
    private readonly StreamRnnMetrics? metrics;
    private readonly PartitionSnapshotStore snapshots;
    private Thread? thread;
    private IConsumer<byte[], byte[]>? consumer;
    private IProducer<byte[], byte[]>? producer;
    private ChangelogRestorer? restorer;
    private Timer? brokerProbe;
    private IAdminClient? probeClient;
    private bool paused;
    private volatile bool failed;
    private bool transactionOpen;
    private long lastCommit;
    private long lastSnapshot;
    private long lastEviction;
    private long lastLagUpdate;

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
                ThrowIfDeliveryFailed();
                ServeQueries();
                ApplyBackpressure();
                var taken = Poll();
                if (taken > 0)
                {
                    ProcessBuffers();
                }

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
        if (time.GetElapsedTime(lastCommit, now) >= options.CommitInterval)
        {
            Commit();
            if (time.GetElapsedTime(lastSnapshot, now) >= options.SnapshotInterval)
            {
                WriteSnapshots(owned);
                lastSnapshot = now;
            }
        }

        if (time.GetElapsedTime(lastEviction, now) >= options.EvictionInterval)
        {
            EvictIdle();
            lastEviction = now;
        }

        if (time.GetElapsedTime(lastLagUpdate, now) >= LagInterval)
        {
            UpdateLag();
            lastLagUpdate = now;
        }
    }

    private void Initialise()
    {
        var consumerConfig = ProcessorClientConfig.Consumer(options);
        var producerConfig = ProcessorClientConfig.Producer(options);
        producer = new ProducerBuilder<byte[], byte[]>(producerConfig)
            .SetErrorHandler((_, error) => OnClientError(error))
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
            .SetErrorHandler((_, error) => OnClientError(error))
            .SetLogHandler((_, message) => ProcessorLog.Client(logger, message))
            .SetPartitionsAssignedHandler((_, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => OnRevoked(partitions))
            .SetPartitionsLostHandler((_, partitions) => OnLost(partitions))
            .Build();
        probeClient = new DependentAdminClientBuilder(producer.Handle).Build();
        brokerProbe = new Timer(_ => ProbeBroker(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        consumer.Subscribe(byTopic.Keys);
        var now = time.GetTimestamp();
        lastCommit = lastSnapshot = lastEviction = now;
    }

    private int Poll()
    {
        var taken = 0;
        var wait = PollTimeout;
        while (taken < options.MaxPollRecords && !stopping.IsCancellationRequested)
        {
            ConsumeResult<byte[], byte[]>? result;
            try
            {
                result = consumer!.Consume(wait);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                ProcessorLog.ConsumeError(logger, e.Error.Reason);
                break;
            }

            if (result is null || result.Message is null)
            {
                break;
            }

            wait = TimeSpan.Zero;
            if (!byTopic.TryGetValue(result.Topic, out var binding))
            {
                continue;
            }

            binding.Add(new InputRecord(
                result.Partition.Value,
                result.Offset.Value,
                result.Message.Timestamp.UnixTimestampMs,
                result.Message.Key ?? ReadOnlyMemory<byte>.Empty,
                result.Message.Value ?? ReadOnlyMemory<byte>.Empty));
            nextOffsets[result.TopicPartition] = result.Offset.Value + 1;
            taken++;
        }

        return taken;
    }

    private void ProcessBuffers()
    {
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            BeginTransactionIfNeeded();
        }

        foreach (var binding in byName.Values)
        {
            if (binding.Count == 0)
            {
                continue;
            }

            if (binding.WeightSource?.Invoke() is { } champion && !ReferenceEquals(champion, binding.Runtime.Weights))
            {
                // A promoted version takes effect between batches, never inside one.
                binding.Runtime.Weights = champion;
            }

            binding.Runtime.Process(binding.Pending, binding.Sink!);
            Status.AddProcessed(binding.Count);
            binding.Clear();
        }
    }

    private void Commit()
    {
        var now = time.GetTimestamp();
        lastCommit = now;
        var offsets = ChangedOffsets();
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            CommitTransaction(offsets);
            return;
        }

        // (1) outputs first, (2) then the state that claims them, (3) then the offsets that state covers.
        if (!WaitForOutputs())
        {
            return;
        }

        var changed = 0;
        foreach (var binding in byName.Values)
        {
            changed += binding.Runtime.FlushChangelog(binding.Sink!);
        }

        if (changed > 0 && !WaitForOutputs())
        {
            return;
        }

        ThrowIfDeliveryFailed();
        UpdateChangelogPositions();
        if (offsets.Count > 0)
        {
            try
            {
                consumer!.Commit(offsets);
            }
            catch (KafkaException e) when (!e.Error.IsFatal)
            {
                // E.g. a rebalance in progress: the offsets stay pending and go with the next commit, or the
                // partition's next owner processes those records again (their state is already durable).
                ProcessorLog.CommitDeferred(logger, e.Error.Reason);
                return;
            }

            foreach (var offset in offsets)
            {
                committedOffsets[offset.TopicPartition] = offset.Offset.Value;
            }
        }

        Status.AddCommit();
    }

    private void CommitTransaction(List<TopicPartitionOffset> offsets)
    {
        BeginTransactionIfNeeded();
        foreach (var binding in byName.Values)
        {
            binding.Runtime.FlushChangelog(binding.Sink!);
        }

        if (offsets.Count > 0)
        {
            producer!.SendOffsetsToTransaction(offsets, consumer!.ConsumerGroupMetadata, options.ShutdownTimeout);
        }

        producer!.CommitTransaction(options.ShutdownTimeout);
        transactionOpen = false;
        ThrowIfDeliveryFailed();
        UpdateChangelogPositions();
        foreach (var offset in offsets)
        {
            committedOffsets[offset.TopicPartition] = offset.Offset.Value;
        }

        Status.AddCommit();
    }

    private void BeginTransactionIfNeeded()
    {
        if (!transactionOpen)
        {
            producer!.BeginTransaction();
            transactionOpen = true;
        }
    }

    private List<TopicPartitionOffset> ChangedOffsets()
    {
        var offsets = new List<TopicPartitionOffset>();
        foreach (var (partition, next) in nextOffsets)
        {
            if (owned.Contains(partition) && (!committedOffsets.TryGetValue(partition, out var committed) || committed != next))
            {
                offsets.Add(new TopicPartitionOffset(partition, new Offset(next)));
            }
        }

        return offsets;
    }

    /// <summary>Waits until every output produced so far is acknowledged. False if stopping cut the wait short.</summary>
    private bool WaitForOutputs()
    {
        var started = time.GetTimestamp();
        while (tracker.InFlight > 0)
        {
            producer!.Flush(FlushSlice);
            ThrowIfDeliveryFailed();
            if (stopping.IsCancellationRequested && time.GetElapsedTime(started) > options.ShutdownTimeout)
            {
                ProcessorLog.ShutdownIncomplete(logger, options.ShutdownTimeout.TotalSeconds);
                return false;
            }
        }

        return true;
    }

    private void UpdateChangelogPositions()
    {
        foreach (var partition in owned)
        {
            var binding = byTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            var end = tracker.ChangelogEnd(changelog);
            if (end > changelogPositions.GetValueOrDefault(changelog, 0))
            {
                changelogPositions[changelog] = end;
            }
        }
    }

    private void WriteSnapshots(IEnumerable<TopicPartition> partitions)
    {
        if (!snapshots.Enabled)
        {
            return;
        }

        foreach (var partition in partitions)
        {
            var binding = byTopic[partition.Topic];
            var changelog = new TopicPartition(binding.Runtime.Definition.ChangelogTopic, partition.Partition);
            snapshots.Write(binding.Runtime, binding.Runtime.Definition.Name, partition.Partition.Value,
                changelogPositions.GetValueOrDefault(changelog, 0));
        }
    }

    private void EvictIdle()
    {
        if (options.Delivery == DeliveryMode.ExactlyOnce)
        {
            BeginTransactionIfNeeded();
        }

        foreach (var binding in byName.Values)
        {
            binding.Runtime.EvictIdle(binding.Sink!);
        }
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        ProcessorLog.Assigned(logger, string.Join(", ", partitions));
        Status.Restoring = true;
        try
        {
            var requests = new List<ChangelogRestorer.Request>();
            foreach (var partition in partitions)
            {
                if (owned.Contains(partition) || !byTopic.TryGetValue(partition.Topic, out var binding))
                {
                    continue;
                }

                requests.Add(new ChangelogRestorer.Request(binding.Runtime, binding.Runtime.Definition, partition.Partition.Value));
            }

            var started = Stopwatch.GetTimestamp();
            var outcomes = restorer!.Restore(requests, stopping.Token);
            var duration = Stopwatch.GetElapsedTime(started);
            var elapsed = (long)duration.TotalMilliseconds;
            foreach (var outcome in outcomes)
            {
                var definition = outcome.Request.Pipeline;
                if (outcome.SnapshotProblem is { } problem)
                {
                    ProcessorLog.SnapshotNotUsed(logger, problem);
                }

                var inputPartition = new TopicPartition(definition.InputTopic, new Partition(outcome.Request.Partition));
                owned.Add(inputPartition);
                changelogPositions[new TopicPartition(definition.ChangelogTopic, inputPartition.Partition)] = outcome.ChangelogEnd;
                if (byName[definition.Name].Metrics is { } pipelineMetrics)
                {
                    pipelineMetrics.Restores.Inc();
                    pipelineMetrics.RestoredRecords.Inc(outcome.RecordsReplayed);
                    pipelineMetrics.RestoreDuration.Observe(duration.TotalSeconds);
                }

                ProcessorLog.Restored(logger, definition.Name, outcome.Request.Partition, outcome.RecordsReplayed,
                    outcome.FromSnapshot ? " after a local snapshot" : "", outcome.Request.Runtime.KeyCountOf(outcome.Request.Partition), elapsed);
            }

            Status.AssignedPartitions = owned.Count;
            Status.Joined = true;
        }
        finally
        {
            Status.Restoring = false;
        }
    }

    private void OnRevoked(List<TopicPartitionOffset> partitions)
    {
        ProcessorLog.Revoked(logger, string.Join(", ", partitions.Select(p => p.TopicPartition)));
        if (failed)
        {
            // After a fatal error nothing more is committed: the new owner replays from the last good commit.
            Forget(partitions.Select(p => p.TopicPartition).ToList());
            return;
        }

        ProcessBuffers();
        Commit();
        var revoked = partitions.Select(p => p.TopicPartition).Where(owned.Contains).ToList();
        WriteSnapshots(revoked);
        Forget(revoked);
    }

    private void OnLost(List<TopicPartitionOffset> partitions)
    {
        ProcessorLog.Lost(logger, string.Join(", ", partitions.Select(p => p.TopicPartition)));
        var lost = partitions.Select(p => p.TopicPartition).ToList();
        foreach (var binding in byName.Values)
        {
            binding.RemovePartitions(lost);
        }

        Forget(lost);
    }

    private void Forget(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            if (byTopic.TryGetValue(partition.Topic, out var binding))
            {
                binding.Runtime.DropPartition(partition.Partition.Value);
            }

            owned.Remove(partition);
            nextOffsets.Remove(partition);
            committedOffsets.Remove(partition);

            // The partition's lag is its new owner's to report now.
            metrics?.ConsumerLag.RemoveLabelled(partition.Topic,
                partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Status.AssignedPartitions = owned.Count;
    }

    private void ApplyBackpressure()
    {
        var inFlight = tracker.InFlight;
        if (!paused && inFlight > options.MaxInFlightOutputs)
        {
            consumer!.Pause(consumer.Assignment);
            paused = true;
            BackpressurePauses++;
            metrics?.BackpressurePauses.Inc();
            ProcessorLog.Paused(logger, inFlight);
        }
        else if (paused && inFlight <= options.MaxInFlightOutputs / 2)
        {
            consumer!.Resume(consumer.Assignment);
            paused = false;
        }

        if (paused)
        {
            producer!.Poll(FlushSlice);
        }
    }

    /// <summary>Times fetching was paused because outputs were not acknowledged fast enough.</summary>
    public long BackpressurePauses { get; private set; }

    private void UpdateLag()
    {
        if (metrics is null)
        {
            return;
        }

        foreach (var partition in owned)
        {
            var high = consumer!.GetWatermarkOffsets(partition).High;
            if (high == Offset.Unset)
            {
                continue;
            }

            var position = nextOffsets.TryGetValue(partition, out var next) ? next : committedOffsets.GetValueOrDefault(partition, 0);
            metrics.ConsumerLag.WithLabels(partition.Topic, partition.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set(Math.Max(0, high.Value - position));
        }

        foreach (var binding in byName.Values)
        {
            if (binding.Metrics is { } pipelineMetrics)
            {
                pipelineMetrics.Keys.Set(binding.Runtime.KeyCount);
                pipelineMetrics.StateBytes.Set(binding.Runtime.StateBytes);
            }
        }
    }

    private void ServeQueries()
    {
        while (queries.TryDequeue(out var query))
        {
            query();
        }
    }

    private void ThrowIfDeliveryFailed()
    {
        if (tracker.FirstFailure is { } failure)
        {
            throw new InvalidOperationException(failure);
        }
    }

    private void OnClientError(Error error)
    {
        ProcessorLog.ClientError(logger, error.Reason, error.Code.ToString());
        if (error.Code is ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Transport)
        {
            Status.SetBroker(false, error.Reason);
        }
    }

    private void ProbeBroker()
    {
        try
        {
            probeClient?.GetMetadata(TimeSpan.FromSeconds(2));
            Status.SetBroker(true, null);
        }
        catch (KafkaException e)
        {
            Status.SetBroker(false, e.Error.Reason);
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    private void ShutDown()
    {
        ProcessBuffers();
        Commit();
        WriteSnapshots(owned);
        ProcessorLog.Stopped(logger);
    }

    private void CloseClients()
    {
        brokerProbe?.Dispose();
        brokerProbe = null;
        probeClient?.Dispose();
        probeClient = null;
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
