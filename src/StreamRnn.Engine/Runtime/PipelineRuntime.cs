using System.Diagnostics;
using StreamRnn.Core;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Forecasting;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Output;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Scoring;
using StreamRnn.Engine.State;
using StreamRnn.Engine.Training;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// One pipeline's processing: decode and validate records, step each key's recurrent state in micro-batches,
/// emit predictions, score them when their targets arrive, and keep the per-key state durable through
/// changelog records and snapshots. Owned by ONE thread (the consumer loop's): nothing here is thread-safe and
/// the hot path takes no locks.
/// </summary>
/// <remarks>
/// <para>Process works in two passes. Pass 1, in input order: decode, find or create the key's slot, skip
/// duplicates (offset ≤ the key's last applied offset in the same partition) and late records (policy),
/// standardise features with the key's running statistics, and give the record round r = the number of
/// records of its key accepted before it in this call. Pass 2: round by round, the keys of a round (at most
/// MaxBatch at a time) are gathered into a B × StateSize block, stepped by ONE
/// <see cref="RecurrentNetwork.StepBatch"/> call and scattered back, so each key's records are applied in
/// offset order, once. The core's batched step is bit-identical to single steps, so the state never depends
/// on how records were batched.</para>
/// <para>A key's first records: Difference and LogReturn inputs without a previous value are 0 and no
/// prediction is emitted until the key has history (one record for such features). A record that cannot be
/// used goes to the dead-letter sink and leaves its key untouched; a step producing non-finite values is
/// dead-lettered as NumericalError and taken back: the key's state, statistics and offset are unchanged. No record
/// stops the loop: see <see cref="PoisonPolicy"/>.</para>
/// <para>Dead-lettered records do not advance the key's offset, so at-least-once replays may dead-letter them again.</para>
/// <para>This class runs the two passes and the batched step; one collaborator per job does the rest:
/// <see cref="RecordAdmission"/> (pass 1) into the <see cref="MicroBatchPlan"/>, <see cref="ForecastEmitter"/>,
/// <see cref="TrainingWindowAssembler"/>, <see cref="PoisonPolicy"/>, <see cref="KeyStateChangelog"/>,
/// <see cref="SnapshotFormat"/>, <see cref="KeyStateInspector"/> and <see cref="RuntimeTally"/>.</para>
/// </remarks>
public sealed class PipelineRuntime
{
    private readonly TimeProvider _time;
    private readonly PipelineMetrics? _metrics;
    private readonly KeyStateStore _store;
    private readonly KeyStateCodec _codec;
    private readonly PrequentialScorer _scorer;
    private readonly LiveBaselines? _baselines;
    private readonly RecurrentNetwork _network;
    private readonly ModelShape _shape;
    private readonly int _inputSize;
    private readonly int _stateSize;
    private readonly int _headSize;
    private readonly int _maxBatch;
    private readonly RuntimeTally _tally;
    private readonly StepUndoLog _undo = new();
    private readonly MicroBatchPlan _plan;
    private readonly RecordAdmission _admission;
    private readonly PoisonPolicy _poison;
    private readonly ForecastEmitter _emitter;
    private readonly TrainingWindowAssembler _windows;
    private readonly KeyStateChangelog _changelog;
    private readonly SnapshotFormat _snapshots;
    private readonly KeyStateInspector _inspector;

    // One batched step.
    private readonly float[] _batchInputs;
    private readonly float[] _batchStates;
    private readonly float[] _batchHeads;
    private readonly StepStatus[] _statuses;

    private ModelWeights _weights;

    public PipelineRuntime(PipelineDefinition definition, ModelWeights weights, TimeProvider time, StreamRnnMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(time);
        definition.EnsureValid();
        Definition = definition;
        _time = time;
        var layout = new FeatureLayout(definition);
        _shape = layout.Shape;
        CheckShape(weights);
        _weights = weights;
        _metrics = metrics?.ForPipeline(definition.Name);
        _inputSize = _shape.InputSize;
        _stateSize = _shape.StateSize;
        _headSize = _shape.HeadOutputSize;
        _maxBatch = definition.MaxBatch;
        int horizon = definition.Target.Horizon;
        var decoder = new RecordDecoder(definition, layout);
        var encoder = new FeatureEncoder(layout);
        var linear = LinearPath.Create(definition, out double[]? linearTemplate);
        _store = new KeyStateStore(_stateSize, layout.StatisticCount, layout.PreviousCount,
            layout.PendingCount, definition.State.MaxKeys, layout.WindowFloatCount, layout.WindowDoubleCount,
            linearTemplate: linearTemplate, linearLegacyWidth: linear?.LegacyStateLength ?? 0,
            linearLayout2Width: linear?.Layout2StateLength ?? 0);
        // With alert rules, each key's alert state travels in its changelog value (an open alert survives a restart).
        _codec = new KeyStateCodec(_store, layout.Fingerprint, definition.Alerts is null ? 0 : AlertMonitor.StateBytes);
        // A key's target statistics hold one value per step, less the first step for a change target (no previous value).
        long warmupSteps = definition.Model.Head.IsClassifier() ? 0
            : definition.Output.WarmupTargets + (definition.Target.Transform is TargetTransform.Difference or TargetTransform.LogReturn ? horizon : 0);
        // A Categorical head is scored like a Binary one, on its event probability (Target:Positive).
        _scorer = new PrequentialScorer(definition.Model.Head.IsClassifier() ? HeadKind.Binary : definition.Model.Head, _metrics);
        _baselines = LiveBaselines.Create(definition, metrics);
        _network = new RecurrentNetwork(_shape, _maxBatch);
        _batchInputs = new float[_maxBatch * _inputSize];
        _batchStates = new float[_maxBatch * _stateSize];
        _batchHeads = new float[_maxBatch * _headSize];
        _statuses = new StepStatus[_maxBatch];

        var keyText = new StateKeyText();
        _tally = new RuntimeTally(_metrics);
        _plan = new MicroBatchPlan(_inputSize, definition.Target.Horizons is null ? 0 : 3 * layout.HorizonCount);
        _admission = new RecordAdmission(definition, decoder, encoder, _store, _plan, _undo, _tally, _metrics);
        _poison = new PoisonPolicy(decoder, encoder, _store, _codec, _plan, _undo, _tally);
        _emitter = new ForecastEmitter(definition, _shape, _store, linear, _scorer, _baselines, _tally, _metrics, warmupSteps, horizon);
        _windows = new TrainingWindowAssembler(_store, _shape, layout.WindowSteps, layout.Horizons, definition.Name);
        _changelog = new KeyStateChangelog(_store, _codec, _plan, _windows, keyText, _tally, _metrics, time,
            (long)definition.State.IdleTtl.TotalMilliseconds);
        _snapshots = new SnapshotFormat(_store, _codec, layout.Fingerprint, time, keyText);
        _inspector = new KeyStateInspector(_store, linear, definition);
        _metrics?.ModelVersion.Set(weights.Version);
        _tally.UpdateGauges(_store);
    }

    public PipelineDefinition Definition { get; }

    /// <summary>
    /// The weights used by the next call. Another thread (the trainer, or the model registry's promotion handler)
    /// may set it at any time: Process reads it once per call, so a call never mixes versions. Must have the
    /// definition's shape.
    /// </summary>
    public ModelWeights Weights
    {
        get => Volatile.Read(ref _weights);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckShape(value);
            Volatile.Write(ref _weights, value);
            _metrics?.ModelVersion.Set(value.Version);
        }
    }

    /// <summary>
    /// Where completed training windows go (Training:Enabled only). Windows are assembled and persisted per key
    /// whether or not a trainer is attached; without one a completed window is discarded. Set on the owning thread.
    /// </summary>
    public OnlineTrainer? Trainer
    {
        get => _windows.Trainer;
        set => _windows.Trainer = value;
    }

    /// <summary>Sees each emitted prediction right after the sink does (alert rules); null = none. Set on the owning thread.</summary>
    /// <remarks>An observer that keeps per-key state (the alert rules) has it written into the changelog and restored.</remarks>
    public IPredictionObserver? PredictionObserver
    {
        get => _emitter.Observer;
        set
        {
            _emitter.Observer = value;
            _codec.Extension = _codec.ExtensionBytes > 0 ? value as IKeyStateExtension : null;
        }
    }

    /// <summary>Training windows completed since this runtime started (handed to the trainer or discarded).</summary>
    public long WindowsCompleted => _windows.WindowsCompleted;

    /// <summary>The network shape the definition implies.</summary>
    public ModelShape Shape => _shape;

    public int KeyCount => _store.Count;

    /// <summary>Bytes held by the state store (allocated slabs, keys and index entries).</summary>
    public long StateBytes => _store.Bytes;

    /// <summary>Bytes per key: slab bytes per slot plus the average key and index overhead.</summary>
    public long BytesPerKey => _store.BytesPerKey;

    /// <summary>Bytes of one key's changelog value.</summary>
    public int ChangelogValueBytes => _codec.RecordBytes;

    /// <summary>Keys changed since the last <see cref="FlushChangelog"/>.</summary>
    public int DirtyKeyCount => _store.DirtyCount;

    public PipelineCounters Counters => _tally.Counters;

    /// <summary>Prequential accuracy of model and baseline since this runtime started.</summary>
    public PrequentialSummary GetPrequentialSummary() => _scorer.Summary() with { Baselines = _baselines?.Summary() ?? [] };

    /// <summary>Prequential accuracy of the model per horizon of Target:Horizons (one entry without it), each with its live baselines.</summary>
    public PrequentialSummary[] GetHorizonSummaries() => _emitter.HorizonSummaries();

    /// <summary>
    /// Decodes, validates and applies <paramref name="records"/> (in offset order per partition), emitting a
    /// prediction per applied record with history, dead letters for bad records, and tombstones for keys evicted
    /// for capacity. Never throws for bad input.
    /// </summary>
    public void Process(ReadOnlySpan<InputRecord> records, IRecordSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (records.IsEmpty)
        {
            return;
        }

        var weights = Volatile.Read(ref _weights);
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _plan.EnsureEntryCapacity(records.Length);
        _undo.Reset(records.Length, _store);
        _tally.Consumed += records.Length;
        _metrics?.RecordsConsumed.Inc(records.Length);

        int accepted = _admission.Accept(records, sink, now);
        if (accepted > 0)
        {
            _plan.OrderByRound(accepted);
            int rounds = _plan.Rounds;
            for (int round = 0; round < rounds; round++)
            {
                for (int start = _plan.RoundStart[round], end = _plan.RoundStart[round + 1]; start < end; start += _maxBatch)
                {
                    StepChunk(records, sink, weights, start, Math.Min(_maxBatch, end - start));
                }
            }
        }

        _poison.RemoveQuarantined(sink);

        _tally.UpdateGauges(_store);
    }

    /// <summary>
    /// Writes one changelog record per key changed since the last flush (coalesced: the key's latest state) to
    /// the key's partition. Call before committing offsets, and before <see cref="DropPartition"/> on revocation.
    /// </summary>
    public int FlushChangelog(IRecordSink sink) => _changelog.Flush(sink);

    /// <summary>
    /// Applies one changelog record read back from <paramref name="partition"/>'s changelog: an empty value
    /// deletes the key. A later record of a key overwrites an earlier one unless it claims an older applied input
    /// offset of the same partition than the state already held (a stale writer's record): then it is skipped and
    /// false is returned, so the newest applied offset always wins. A record that cannot be used throws
    /// <see cref="StateFormatException"/> and changes nothing.
    /// </summary>
    public bool Restore(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _changelog.Restore(partition, key, value);

    /// <summary>Forgets every key of a revoked or lost partition, without tombstones (flush first on revocation).</summary>
    public void DropPartition(int partition) => _changelog.DropPartition(partition);

    /// <summary>Removes keys not seen for longer than State:IdleTtl, each with a tombstone on the changelog.</summary>
    public int EvictIdle(IRecordSink sink) => _changelog.EvictIdle(sink);

    /// <summary>
    /// Writes every key of <paramref name="partition"/> to a local snapshot: "SRSN", format version, layout
    /// fingerprint, partition, key count, creation time, then per key (i32 key length, key, i32 value length,
    /// changelog value), then a CRC-32 of everything before it.
    /// </summary>
    public void WriteSnapshot(int partition, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _snapshots.Write(partition, destination);
    }

    /// <summary>
    /// Replaces the keys of the snapshot's partition with its contents. The whole snapshot is checked (magic,
    /// format version, checksum, layout, every key's record) before anything changes; a bad one throws
    /// <see cref="StateFormatException"/> saying why, so the caller can restore from the changelog instead.
    /// Returns the partition the snapshot was written for. Counts its keys as restored records; the caller
    /// counts the restore itself (streamrnn_restores_total) and its duration.
    /// </summary>
    public int ReadSnapshot(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var data = _snapshots.Read(source, out int partition, out var entries);
        _changelog.ApplySnapshot(partition, data, entries);
        return partition;
    }

    /// <summary>Keys held for one input partition (the restore log reports this, not the total).</summary>
    public int KeyCountOf(int partition) => _inspector.KeyCountOf(partition);

    /// <summary>A copy of one key's state, or null if the key is not held. Not thread-safe: call on the owning thread.</summary>
    public KeySummary? QueryKey(string key) => _inspector.QueryKey(key, Weights);

    /// <summary>A copy of the recurrent state of a key (tests compare these bit for bit).</summary>
    internal float[]? StateOf(string key) => _inspector.StateOf(key);

    /// <summary>A copy of a key's linear-path state (empty without one; null for an unknown key).</summary>
    internal double[]? LinearStateOf(string key) => _inspector.LinearStateOf(key);

    /// <summary>Every key with its state and statistics, for bit-for-bit comparisons in tests.</summary>
    internal IEnumerable<(string Key, float[] State, double[] Statistics, double[] Previous, double[] Pending, long Offset, long Steps,
        float[] WindowFloats, double[] WindowDoubles, int WindowFill)> Dump() => _inspector.Dump();

    /// <summary>
    /// Pass 2 for one micro-batch of a round: gather the keys' states and inputs, step them in one batch, then per
    /// key forecast, assemble its training window, scatter its state back and emit.
    /// </summary>
    private void StepChunk(ReadOnlySpan<InputRecord> records, IRecordSink sink, ModelWeights weights, int start, int batch)
    {
        int s = _stateSize, n = _inputSize, o = _headSize;
        var plan = _plan;
        for (int b = 0; b < batch; b++)
        {
            int e = plan.Order[start + b];
            _store.State(plan.EntrySlot[e]).CopyTo(_batchStates.AsSpan(b * s, s));
            plan.InputsOf(e).CopyTo(_batchInputs.AsSpan(b * n, n));
        }

        long began = Stopwatch.GetTimestamp();
        try
        {
            _network.StepBatch(weights, _batchInputs.AsSpan(0, batch * n), _batchStates.AsSpan(0, batch * s),
                _batchHeads.AsSpan(0, batch * o), _statuses.AsSpan(0, batch), batch);
        }
        catch (Exception exception) when (PoisonPolicy.IsRecoverable(exception))
        {
            for (int b = 0; b < batch; b++)
            {
                if (!_undo.IsSkipped(plan.Order[start + b]))
                {
                    _poison.QuarantineKey(records, sink, plan.Order[start + b], exception);
                }
            }

            return;
        }

        if (_metrics is not null)
        {
            _metrics.StepLatency.Observe(Stopwatch.GetElapsedTime(began).TotalSeconds);
            _metrics.BatchSize.Observe(batch);
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        for (int b = 0; b < batch; b++)
        {
            int e = plan.Order[start + b];
            if (_undo.IsSkipped(e))
            {
                continue;
            }

            try
            {
                int slot = plan.EntrySlot[e];
                ref readonly var record = ref records[plan.EntryRecord[e]];
                ref readonly var target = ref plan.EntryTarget[e];
                long step = plan.EntryStep[e];
                string? failure = _emitter.Forecast(_statuses[b], _batchHeads.AsSpan(b * o, o), target, plan.HorizonsOf(e), slot, step,
                    out double mean, out double spread, out var calibration);
                if (failure is not null)
                {
                    _poison.UndoStep(records, sink, e, failure);
                    continue;
                }

                if (_windows.Enabled)
                {
                    // Before the scatter below: a new window starts from the key's state before this step.
                    _windows.Assemble(slot, plan.InputsOf(e), target, plan.HorizonsOf(e));
                }

                _batchStates.AsSpan(b * s, s).CopyTo(_store.StateMutable(slot));
                _emitter.Emit(slot, step, plan.EntryTime[e], target, plan.HorizonsOf(e), record, weights, mean, spread, calibration, now, sink);
            }
            catch (Exception exception) when (PoisonPolicy.IsRecoverable(exception))
            {
                _poison.QuarantineKey(records, sink, e, exception);
            }
        }
    }

    private void CheckShape(ModelWeights weights)
    {
        if (weights.Shape != _shape)
        {
            throw new ArgumentException(
                $"Weights of shape {weights.Shape} do not fit pipeline '{Definition.Name}', which needs {_shape}.", nameof(weights));
        }
    }
}
