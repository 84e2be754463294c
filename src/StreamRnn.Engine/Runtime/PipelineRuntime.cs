using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Unicode;
using StreamRnn.Core;
using StreamRnn.Core.Serialization;

namespace StreamRnn.Engine;

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
/// stops the loop: see PipelineRuntime.Poison.cs for the poison policy.</para>
/// <para>Dead-lettered records do not advance the key's offset, so at-least-once replays may dead-letter them again.</para>
/// </remarks>
public sealed partial class PipelineRuntime
{
    private const int SnapshotHeaderBytes = 36;
    private const ushort SnapshotFormatVersion = 1;
    private const uint SnapshotMagic = 0x4E535253; // "SRSN"
    private const int SnapshotChunkBytes = 1 << 20;

    private readonly TimeProvider _time;
    private readonly PipelineMetrics? _metrics;
    private readonly FeatureLayout _layout;
    private readonly RecordDecoder _decoder;
    private readonly FeatureEncoder _encoder;
    private readonly KeyStateStore _store;
    private readonly KeyStateCodec _codec;
    private readonly PredictionWriter _writer;
    private readonly PrequentialScorer _scorer;
    private readonly LiveBaselines? _baselines;
    private readonly RecurrentNetwork _network;
    private readonly ModelShape _shape;
    private readonly int _inputSize;
    private readonly int _stateSize;
    private readonly int _headSize;
    private readonly int _maxBatch;
    private readonly int _horizon;
    private readonly long _idleTtlMs;
    private readonly int _windowSteps;
    private readonly long _warmupSteps;
    private readonly LinearCombiner? _linear;
    private OnlineTrainer? _trainer;
    private long _windowsCompleted;
    private readonly char[] _keyChars = new char[RecordDecoder.MaxKeyBytes];

    // Pass-1 results, one entry per accepted record; grown to the largest call seen.
    private int[] _entrySlot = [];
    private int[] _entryRecord = [];
    private int[] _entryRound = [];
    private long[] _entryStep = [];
    private long[] _entryTime = [];
    private EncodedTarget[] _entryTarget = [];
    private float[] _entryInputs = [];
    private int[] _order = [];
    private int[] _roundStart = [];
    private int[] _roundCursor = [];
    private int[] _roundOfSlot = [];
    private int[] _touched = [];

    // One batched step.
    private readonly float[] _batchInputs;
    private readonly float[] _batchStates;
    private readonly float[] _batchHeads;
    private readonly StepStatus[] _statuses;

    private ModelWeights _weights;
    private IPredictionObserver? _observer;
    private long _consumed, _applied, _predictions, _deadLetters, _duplicates, _late, _skippedLate;
    private long _evictedTtl, _evictedCapacity, _restored, _changelogRecords;

    public PipelineRuntime(PipelineDefinition definition, ModelWeights weights, TimeProvider time, StreamRnnMetrics? metrics)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(time);
        definition.EnsureValid();
        Definition = definition;
        _time = time;
        _layout = new FeatureLayout(definition);
        _shape = _layout.Shape;
        CheckShape(weights);
        _weights = weights;
        _metrics = metrics?.ForPipeline(definition.Name);
        _inputSize = _shape.InputSize;
        _stateSize = _shape.StateSize;
        _headSize = _shape.HeadOutputSize;
        _maxBatch = definition.MaxBatch;
        _horizon = definition.Target.Horizon;
        _idleTtlMs = (long)definition.State.IdleTtl.TotalMilliseconds;
        _decoder = new RecordDecoder(definition, _layout);
        _encoder = new FeatureEncoder(_layout);
        _windowSteps = _layout.WindowSteps;
        _linear = LinearPath.Create(definition, out double[]? linearTemplate);
        _store = new KeyStateStore(_stateSize, _layout.StatisticCount, _layout.PreviousCount,
            FeatureLayout.PendingWidth * _horizon, definition.State.MaxKeys, _layout.WindowFloatCount, _layout.WindowDoubleCount,
            linearTemplate: linearTemplate, linearLegacyWidth: _linear?.LegacyStateLength ?? 0);
        // With alert rules, each key's alert state travels in its changelog value (an open alert survives a restart).
        _codec = new KeyStateCodec(_store, _layout.Fingerprint, definition.Alerts is null ? 0 : AlertMonitor.StateBytes);
        _writer = new PredictionWriter(definition);
        // A key's target statistics hold one value per step, less the first step for a change target (no previous value).
        _warmupSteps = definition.Model.Head == HeadKind.Binary ? 0
            : definition.Output.WarmupTargets + (definition.Target.Transform is TargetTransform.Difference or TargetTransform.LogReturn ? _horizon : 0);
        _scorer = new PrequentialScorer(definition.Model.Head, _metrics);
        _baselines = LiveBaselines.Create(definition, metrics);
        _network = new RecurrentNetwork(_shape, _maxBatch);
        _batchInputs = new float[_maxBatch * _inputSize];
        _batchStates = new float[_maxBatch * _stateSize];
        _batchHeads = new float[_maxBatch * _headSize];
        _statuses = new StepStatus[_maxBatch];
        _metrics?.ModelVersion.Set(weights.Version);
        UpdateGauges();
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
        get => _trainer;
        set
        {
            if (value is not null && (_windowSteps == 0 || value.Pool.StateSize != _stateSize
                || value.Pool.InputSize != _inputSize || value.Pool.Steps != _windowSteps))
            {
                throw new ArgumentException(
                    $"The trainer's windows ({value.Pool.StateSize} state floats, {value.Pool.InputSize} inputs, {value.Pool.Steps} steps) " +
                    $"do not fit pipeline '{Definition.Name}' ({_stateSize}, {_inputSize}, {_windowSteps} with Training:Enabled = {_windowSteps > 0}).",
                    nameof(value));
            }

            _trainer = value;
        }
    }

    /// <summary>Sees each emitted prediction right after the sink does (alert rules); null = none. Set on the owning thread.</summary>
    /// <remarks>An observer that keeps per-key state (the alert rules) has it written into the changelog and restored.</remarks>
    public IPredictionObserver? PredictionObserver
    {
        get => _observer;
        set
        {
            _observer = value;
            _codec.Extension = _codec.ExtensionBytes > 0 ? value as IKeyStateExtension : null;
        }
    }

    /// <summary>Training windows completed since this runtime started (handed to the trainer or discarded).</summary>
    public long WindowsCompleted => _windowsCompleted;

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

    public PipelineCounters Counters => new(_consumed, _applied, _predictions, _deadLetters, _duplicates, _late,
        _skippedLate, _evictedTtl, _evictedCapacity, _restored, _changelogRecords);

    /// <summary>Prequential accuracy of model and baseline since this runtime started.</summary>
    public PrequentialSummary GetPrequentialSummary() => _scorer.Summary() with { Baselines = _baselines?.Summary() ?? [] };

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
        EnsureEntryCapacity(records.Length);
        _undo.Reset(records.Length, _store);
        _consumed += records.Length;
        _metrics?.RecordsConsumed.Inc(records.Length);

        int accepted = Accept(records, sink, now, out int rounds);
        if (accepted > 0)
        {
            OrderByRound(accepted, rounds);
            for (int round = 0; round < rounds; round++)
            {
                for (int start = _roundStart[round], end = _roundStart[round + 1]; start < end; start += _maxBatch)
                {
                    StepChunk(records, sink, weights, start, Math.Min(_maxBatch, end - start));
                }
            }
        }

        RemoveQuarantined(sink);

        UpdateGauges();
    }

    private ReadOnlySpan<char> KeyChars(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key.Length > RecordDecoder.MaxKeyBytes
            || Utf8.ToUtf16(key, _keyChars, out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw new StateFormatException($"State key of {key.Length} bytes is empty, longer than {RecordDecoder.MaxKeyBytes} bytes or not valid UTF-8.");
        }

        return _keyChars.AsSpan(0, written);
    }

    private void Tombstone(IRecordSink sink, int slot)
    {
        sink.Changelog(_store.Partition[slot], _store.KeyBytes[slot], ReadOnlySpan<byte>.Empty);
        _changelogRecords++;
    }

    private void DeadLetter(IRecordSink sink, in InputRecord record, DeadLetterReason reason, string detail)
    {
        _deadLetters++;
        _metrics?.DeadLetters(reason).Inc();
        sink.DeadLetter(record, reason, detail);
    }

    private void EnsureEntryCapacity(int records)
    {
        if (_entrySlot.Length >= records)
        {
            return;
        }

        int size = Math.Max(records, _entrySlot.Length * 2);
        _entrySlot = new int[size];
        _entryRecord = new int[size];
        _entryRound = new int[size];
        _entryStep = new long[size];
        _entryTime = new long[size];
        _entryTarget = new EncodedTarget[size];
        _entryInputs = new float[size * _inputSize];
        _order = new int[size];
        _touched = new int[size];
    }

    private void UpdateGauges()
    {
        if (_metrics is not null)
        {
            _metrics.Keys.Set(_store.Count);
            _metrics.StateBytes.Set(_store.Bytes);
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
