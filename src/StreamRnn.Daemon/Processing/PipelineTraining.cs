using System.Reactive.Concurrency;
using Confluent.Kafka;
using StreamRnn.Core;
using StreamRnn.Daemon.Training;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Models;

namespace StreamRnn.Daemon.Processing;

/// <summary>
/// Everything that keeps one pipeline's weights: the champion registry (inference reads it between batches), the
/// model store in the state directory (the latest valid version is loaded at start), and, with Training:Enabled,
/// the online trainer fed by the runtime's windows plus the model topic through which instances share versions.
/// </summary>
internal sealed class PipelineTraining : IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private ModelTopicListener? _listener;
    private WindowJournal? _journal;

    private readonly PipelineDefinition _definition;
    private readonly ModelStore _store;
    private readonly ILogger _logger;

    private PipelineTraining(PipelineDefinition definition, ModelStore store, ModelRegistry registry, ILogger logger)
    {
        _definition = definition;
        _store = store;
        _logger = logger;
        Registry = registry;
    }

    public ModelRegistry Registry { get; }

    /// <summary>The trainer, or null when the pipeline does not train (or it was not started).</summary>
    public OnlineTrainer? Trainer { get; private set; }

    /// <summary>
    /// The champion to start from: the latest valid stored version, else Model:File or a model trained on
    /// Model:BootstrapCsv (stored as the first version, so a restart does not repeat it), else the seed's initialisation.
    /// </summary>
    public static PipelineTraining Load(PipelineDefinition definition, string modelDirectory, StreamRnnMetrics metrics, ILogger logger,
        string? contentRoot = null)
    {
        var shape = definition.CreateShape();
        var store = new ModelStore(modelDirectory, definition.Name, definition.Training.KeepVersions);
        var initial = store.LoadLatest(shape, (path, problem) => ProcessingLog.ModelSkipped(logger, path, problem.Message));
        if (initial is null)
        {
            initial = InitialModel.Resolve(definition, shape, contentRoot ?? Directory.GetCurrentDirectory(), logger);
            if (initial is null)
            {
                initial = ModelWeights.Initialize(shape, definition.Model.Seed);
            }
            else
            {
                store.Save(initial);
            }
        }
        else
        {
            ProcessingLog.ModelLoaded(logger, definition.Name, initial.Version, store.Directory);
        }

        var registry = new ModelRegistry(initial, definition.Training.KeepVersions, metrics.ForPipeline(definition.Name));
        return new PipelineTraining(definition, store, registry, logger);
    }

    /// <summary>
    /// Starts online training: the trainer thread, persistence of every promotion, and the model topic's publisher
    /// (versions made here) and listener (versions of other instances, merged or followed as configured).
    /// </summary>
    public void StartTrainer(string instanceId, IProducer<byte[], byte[]> modelProducer, ConsumerConfig consumerConfig,
        int modelTopicPartitions, StreamRnnMetrics metrics, string signingKey = "")
    {
        // Without a key, anyone who can write the model topic decides what this pipeline predicts: said at every start.
        var signer = string.IsNullOrEmpty(signingKey) ? null : new ModelRecordSigner(signingKey);
        if (signer is null)
        {
            ProcessingLog.ModelTopicUnsigned(_logger, _definition.Name, _definition.ModelTopic);
        }

        var trainer = new OnlineTrainer(_definition.Name, _definition.Training, Registry, TaskPoolScheduler.Default, metrics, instanceId);
        Trainer = trainer;
        if (trainer.Trains)
        {
            // Windows in flight survive restarts, kill -9 included: see WindowJournal.
            var shape = Registry.Shape;
            _journal = new WindowJournal(Path.Combine(_store.Directory, "windows"), shape.StateSize, shape.InputSize,
                _definition.Training.WindowSteps, Math.Max(64, _definition.Training.QueueCapacity), shape.Horizons);
            int recovered = trainer.AttachJournal(_journal, (path, problem) => ProcessingLog.JournalProblem(_logger, path, problem));
            ProcessingLog.WindowsRecovered(_logger, _definition.Name, recovered, _journal.Directory, _journal.TrainedThrough);
            long reportedFailures = 0;
            _subscriptions.Add(trainer.Rounds.Subscribe(_ =>
            {
                long failures = trainer.JournalFailures;
                if (failures > reportedFailures)
                {
                    reportedFailures = failures;
                    ProcessingLog.JournalFailed(_logger, _definition.Name, failures, trainer.LastJournalError?.Message ?? "");
                }
            }));
        }

        _subscriptions.Add(_store.PersistPromotions(Registry,
            (promotion, error) => ProcessingLog.ModelSaveFailed(_logger, _definition.Name, promotion.Weights.Version, error.Message)));
        var publisher = new ModelTopicPublisher(modelProducer, _definition.Name, _definition.ModelTopic, instanceId, _logger, signer);
        _subscriptions.Add(Registry.Promotions.Subscribe(
            promotion =>
            {
                ProcessingLog.Promoted(_logger, _definition.Name, promotion.Weights.Version, promotion.Source.ToString(),
                    promotion.ValidationLoss, promotion.ChampionLoss);
                publisher.OnPromoted(promotion);
            },
            error => ProcessingLog.ModelSaveFailed(_logger, _definition.Name, -1, error.Message)));
        var screen = new ModelRecordScreen(Registry.Shape, signer, metrics, _definition.Name);
        _listener = new ModelTopicListener(consumerConfig, _definition.ModelTopic, instanceId, screen, trainer.Receive, _logger);
        _listener.Start(modelTopicPartitions);
        trainer.Start();
    }

    public void Dispose()
    {
        _listener?.Dispose();
        Trainer?.Dispose();
        _journal?.Dispose();
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        Registry.Dispose();
    }
}
