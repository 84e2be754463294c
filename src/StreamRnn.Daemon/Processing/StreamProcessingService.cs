using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamRnn.Core;
using StreamRnn.Daemon.Broker;
using StreamRnn.CommandLine;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Daemon.Hosting;
using StreamRnn.Daemon.Http;
using StreamRnn.Daemon.Pipelines;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Health;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Admin;
using StreamRnn.Kafka.Processing;

namespace StreamRnn.Daemon.Processing;

/// <summary>
/// Hosts the consumer loop: builds one runtime per configured pipeline, runs the <see cref="StreamProcessor"/>,
/// mirrors its state onto the readiness board, answers HTTP queries through it, and stops the host (exit code 1) if
/// the loop dies, so a supervisor restarts the daemon and the uncommitted input is processed again.
/// </summary>
internal sealed class StreamProcessingService(
    KafkaConnection connection,
    PipelineCatalog catalog,
    IOptions<KafkaOptions> kafka,
    IOptions<StateDirectoryOptions> state,
    IOptions<DeliveryOptions> delivery,
    IOptions<ShutdownOptions> shutdown,
    IOptions<ModelTopicOptions> modelTopic,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    HealthBoard health,
    StreamRnnMetrics metrics,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IPipelineQueries, IDisposable
{
    private static readonly TimeSpan StatusInterval = TimeSpan.FromMilliseconds(250);
    private readonly ILogger _logger = loggers.CreateLogger<StreamProcessingService>();
    private readonly Dictionary<string, PipelineRuntime> _runtimes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PipelineTraining> _trainings = new(StringComparer.Ordinal);
    private StreamProcessor? _processor;
    private IProducer<byte[], byte[]>? _modelProducer;
    private ITimer? _statusTimer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, "starting");
        var options = StreamProcessingSeam.CreateProcessorOptions(connection, kafka.Value, state.Value, delivery.Value,
            shutdown.Value, environment.ContentRootPath);
        if (connection.IsEmbedded)
        {
            options = ForEmbeddedBroker(options);
        }

        string modelDirectory = Path.GetFullPath(state.Value.Directory, environment.ContentRootPath);
        string instanceId = string.IsNullOrWhiteSpace(kafka.Value.InstanceId) ? Environment.MachineName : kafka.Value.InstanceId;
        foreach (var pipeline in catalog.Pipelines)
        {
            var definition = pipeline.Definition;
            var training = StartTraining(definition, modelDirectory, instanceId);
            _trainings.Add(definition.Name, training);
            var weights = training.Registry.Current;
            var runtime = new PipelineRuntime(definition, weights, time, metrics);
            runtime.PredictionObserver = AlertMonitor.Create(definition, metrics);
            if (training.Trainer is { } trainer)
            {
                runtime.Trainer = trainer;
            }

            _runtimes.Add(definition.Name, runtime);
            var shape = weights.Shape;
            ProcessingLog.PipelineReady(_logger, definition.Name, shape.Cell.ToString(), shape.HiddenSize, shape.Layers,
                shape.Head.ToString(), shape.ParameterCount, weights.Version);
        }

        _processor = new StreamProcessor(options, [.. _runtimes.Values], loggers.CreateLogger<StreamProcessor>(), metrics, time);
        foreach (var (name, training) in _trainings)
        {
            _processor.UseWeightsFrom(name, () => training.Registry.Current);
        }

        _processor.Completion.ContinueWith(OnLoopStopped, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        _processor.Start();
        _statusTimer = time.CreateTimer(_ => PublishStatus(), null, TimeSpan.Zero, StatusInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is not null)
        {
            health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, "stopping");
            await _processor.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        // Before the broker goes (the embedded one stops after this service): the model-topic listeners and the
        // trainers' producer would otherwise keep reconnecting to it while the container disposes them.
        StopTraining();
    }

    public async Task<KeySummary?> QueryKeyAsync(string pipeline, string key, CancellationToken cancellation)
    {
        var loop = _processor ?? throw new InvalidOperationException("The consumer loop has not started.");
        return await loop.QueryAsync(pipeline, runtime => runtime.QueryKey(key), cancellation).ConfigureAwait(false);
    }

    public async Task<ModelSummary> QueryModelAsync(string pipeline, CancellationToken cancellation)
    {
        var loop = _processor ?? throw new InvalidOperationException("The consumer loop has not started.");
        return await loop.QueryAsync(pipeline, runtime =>
        {
            var shape = runtime.Weights.Shape;
            return new ModelSummary(pipeline, runtime.Weights.Version, shape.Cell.ToString(), shape.InputSize, shape.HiddenSize,
                shape.Layers, shape.Head.ToString(), shape.ParameterCount, runtime.KeyCount, runtime.StateBytes,
                runtime.Trainer?.WindowsInFlight, runtime.Trainer?.WindowsRecovered);
        }, cancellation).ConfigureAwait(false);
    }

    public async Task<AccuracySummary> QueryAccuracyAsync(string pipeline, CancellationToken cancellation)
    {
        var loop = _processor ?? throw new InvalidOperationException("The consumer loop has not started.");
        var definition = catalog.Find(pipeline) ?? throw new ArgumentException($"No pipeline named '{pipeline}'.", nameof(pipeline));
        return await loop.QueryAsync(pipeline, runtime => AccuracySummary.From(definition, runtime.GetPrequentialSummary(),
                definition.Target.Horizons is null ? null : runtime.GetHorizonSummaries()), cancellation)
            .ConfigureAwait(false);
    }

    public ModelRestoreResponse? RestorePreviousModel(string pipeline)
    {
        if (!_trainings.TryGetValue(pipeline, out var training))
        {
            throw new ArgumentException($"No pipeline named '{pipeline}'.", nameof(pipeline));
        }

        // The registry publishes the change like any promotion: stored, published on the model topic, and read by the
        // consumer loop between batches.
        var promotion = training.Registry.Restore();
        if (promotion is null)
        {
            return null;
        }

        ProcessingLog.ModelRestored(_logger, pipeline, promotion.Weights.Version, promotion.OriginVersion, promotion.PreviousVersion);
        return new ModelRestoreResponse(pipeline, promotion.Weights.Version, promotion.OriginVersion, promotion.PreviousVersion);
    }

    private PipelineTraining StartTraining(PipelineDefinition definition, string modelDirectory, string instanceId)
    {
        var training = PipelineTraining.Load(definition, modelDirectory, metrics, loggers.CreateLogger<PipelineTraining>(), environment.ContentRootPath);
        if (!definition.Training.Enabled)
        {
            return training;
        }

        _modelProducer ??= new ProducerBuilder<byte[], byte[]>(connection.Apply(new ProducerConfig { Acks = Acks.All, EnableIdempotence = true })).Build();
        var consumerConfig = connection.Apply(new ConsumerConfig { GroupId = kafka.Value.GroupId });
        int partitions;
        using (var admin = new AdminClientBuilder(connection.Apply(new AdminClientConfig())).Build())
        {
            partitions = TopicMetadataReader.ReadPartitionCount(admin, definition.ModelTopic, TimeSpan.FromSeconds(10)) ?? 1;
        }

        training.StartTrainer(instanceId, _modelProducer, consumerConfig, partitions, metrics, modelTopic.Value.SigningKey);
        return training;
    }

    /// <summary>
    /// The embedded broker starts empty every run, so snapshots from an earlier run describe offsets that no longer
    /// exist: they live in their own subdirectory, cleared at start.
    /// </summary>
    private StreamProcessorOptions ForEmbeddedBroker(StreamProcessorOptions options)
    {
        if (string.IsNullOrEmpty(options.StateDirectory))
        {
            return options;
        }

        string directory = Path.Combine(options.StateDirectory, "embedded");
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
            ProcessingLog.EmbeddedStateReset(_logger, directory);
        }

        return new StreamProcessorOptions
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            ClientConfig = options.ClientConfig,
            Delivery = options.Delivery,
            CommitInterval = options.CommitInterval,
            SnapshotInterval = options.SnapshotInterval,
            EvictionInterval = options.EvictionInterval,
            StateDirectory = directory,
            MaxPollRecords = options.MaxPollRecords,
            MaxInFlightOutputs = options.MaxInFlightOutputs,
            SessionTimeoutMs = options.SessionTimeoutMs,
            ShutdownTimeout = options.ShutdownTimeout,
        };
    }

    private void PublishStatus()
    {
        if (_processor?.Status is not { } status)
        {
            return;
        }

        if (status.FatalError is { } fatal)
        {
            health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, $"consumer loop stopped: {fatal}");
        }
        else if (!status.BrokerReachable)
        {
            health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, $"broker unreachable: {status.BrokerProblem}");
        }
        else if (!status.Running)
        {
            health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, "consumer loop not running");
        }
        else if (status.Restoring)
        {
            health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, $"restoring partitions from changelog: {status.RestoringPartitions}");
        }
        else if (!status.Joined)
        {
            health.ReportUnhealthy(StreamProcessingSeam.HealthComponent, "joining the consumer group");
        }
        else
        {
            health.ReportHealthy(StreamProcessingSeam.HealthComponent,
                $"{status.AssignedPartitions} partitions assigned and restored, {status.RecordsProcessed} records processed");
        }
    }

    private void OnLoopStopped(Task completion)
    {
        if (completion.IsFaulted)
        {
            ProcessingLog.LoopFailed(_logger, completion.Exception!.GetBaseException().Message);
            Environment.ExitCode = ExitCodes.Failure;
            lifetime.StopApplication();
        }
    }

    /// <summary>Idempotent: the container disposes this instance once per registration that exposes it.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _statusTimer, null)?.Dispose();
        Interlocked.Exchange(ref _processor, null)?.Dispose();
        StopTraining();
    }

    /// <summary>Stops every trainer and model-topic listener and flushes the model producer; safe to call twice.</summary>
    private void StopTraining()
    {
        foreach (var training in _trainings.Values)
        {
            training.Dispose();
        }

        _trainings.Clear();
        if (Interlocked.Exchange(ref _modelProducer, null) is { } producer)
        {
            producer.Flush(TimeSpan.FromSeconds(5));
            producer.Dispose();
        }
    }
}
