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
            linearTemplate: linearTemplate);
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

    private int Accept(ReadOnlySpan<InputRecord> records, IRecordSink sink, long now, out int rounds)
    {
        int accepted = 0, touched = 0;
        rounds = 0;
        var policy = Definition.LateRecords;
        for (int i = 0; i < records.Length; i++)
        {
            ref readonly InputRecord record = ref records[i];
            int slot = -1;
            bool created = false;
            try
            {
                if (!_decoder.TryDecode(record, out var reason, out string detail))
                {
                    DeadLetter(sink, record, reason, detail);
                    continue;
                }

                long eventTime = _decoder.EventTimeUnixMs;
                if (IsTooFarAhead(eventTime, now, out detail))
                {
                    DeadLetter(sink, record, DeadLetterReason.FutureTimestamp, detail);
                    continue;
                }

                slot = _store.Find(_decoder.KeyChars);
                if (slot >= 0)
                {
                    if (record.Partition == _store.Partition[slot] && record.Offset <= _store.LastOffset[slot])
                    {
                        _duplicates++;
                        _metrics?.SkippedDuplicate.Inc();
                        continue;
                    }

                    if (eventTime < _store.LastEventTime[slot])
                    {
                        _late++;
                        _metrics?.LateRecords.Inc();
                        if (policy == LateRecordPolicy.Drop)
                        {
                            _skippedLate++;
                            _metrics?.SkippedLate.Inc();
                            continue;
                        }
                    }
                }
                else
                {
                    if (_store.IsFull && !MakeRoom(sink, record, out reason, out detail))
                    {
                        DeadLetter(sink, record, reason, detail);
                        continue;
                    }

                    slot = _store.Add(_decoder.KeyChars, _decoder.KeyBytes, record.Partition, now);
                    created = true;
                    if (_roundOfSlot.Length < _store.Capacity)
                    {
                        Array.Resize(ref _roundOfSlot, _store.Capacity);
                    }
                }

                _undo.Save(accepted, _store, slot);
                if (!_encoder.TryEncode(_decoder, _store.StatisticsOf(slot), _store.PreviousOf(slot),
                        _entryInputs.AsSpan(accepted * _inputSize, _inputSize), out var target, out reason, out detail))
                {
                    if (created)
                    {
                        _store.Remove(slot);
                    }

                    DeadLetter(sink, record, reason, detail);
                    continue;
                }

                _store.Partition[slot] = record.Partition;
                _store.LastOffset[slot] = record.Offset;
                _store.LastEventTime[slot] = Math.Max(_store.LastEventTime[slot], eventTime);
                long step = ++_store.Steps[slot];
                _store.Touch(slot, now);
                _store.MarkDirty(slot);
                _entrySlot[accepted] = slot;
                _entryRecord[accepted] = i;
                _entryStep[accepted] = step;
                _entryTime[accepted] = eventTime;
                _entryTarget[accepted] = target;
                int round = _roundOfSlot[slot]++;
                if (round == 0)
                {
                    _touched[touched++] = slot;
                }

                _entryRound[accepted] = round;
                rounds = Math.Max(rounds, round + 1);
                accepted++;
            }
            catch (Exception exception) when (IsRecoverable(exception))
            {
                AcceptFailed(sink, record, exception, created ? slot : -1);
            }
        }

        for (int i = 0; i < touched; i++)
        {
            _roundOfSlot[_touched[i]] = 0;
        }

        _applied += accepted;
        _undo.Entries = accepted;
        return accepted;
    }

    /// <summary>Evicts the least recently used key for a new one, unless the policy or the batch forbids it.</summary>
    private bool MakeRoom(IRecordSink sink, in InputRecord record, out DeadLetterReason reason, out string detail)
    {
        reason = DeadLetterReason.StateFull;
        if (Definition.State.WhenFull == WhenFullPolicy.DeadLetter)
        {
            detail = $"the state store holds State:MaxKeys = {Definition.State.MaxKeys} keys and WhenFull is DeadLetter";
            return false;
        }

        int victim = _store.LeastRecent;
        if (victim < 0 || _roundOfSlot[victim] > 0)
        {
            detail = $"every one of State:MaxKeys = {Definition.State.MaxKeys} keys has a record in this batch";
            return false;
        }

        Tombstone(sink, victim);
        _store.Remove(victim);
        _evictedCapacity++;
        _metrics?.EvictedCapacity.Inc();
        detail = "";
        return true;
    }

    /// <summary>Stable counting sort of the accepted entries by round into <see cref="_order"/>.</summary>
    private void OrderByRound(int accepted, int rounds)
    {
        if (_roundStart.Length < rounds + 1)
        {
            _roundStart = new int[Math.Max(rounds + 1, _roundStart.Length * 2)];
        }

        Array.Clear(_roundStart, 0, rounds + 1);
        for (int e = 0; e < accepted; e++)
        {
            _roundStart[_entryRound[e] + 1]++;
        }

        for (int r = 0; r < rounds; r++)
        {
            _roundStart[r + 1] += _roundStart[r];
        }

        if (_roundCursor.Length < rounds)
        {
            _roundCursor = new int[_roundStart.Length];
        }

        Span<int> cursor = _roundCursor.AsSpan(0, rounds);
        _roundStart.AsSpan(0, rounds).CopyTo(cursor);
        for (int e = 0; e < accepted; e++)
        {
            _order[cursor[_entryRound[e]]++] = e;
        }
    }

    private void StepChunk(ReadOnlySpan<InputRecord> records, IRecordSink sink, ModelWeights weights, int start, int batch)
    {
        int s = _stateSize, n = _inputSize, o = _headSize;
        for (int b = 0; b < batch; b++)
        {
            int e = _order[start + b];
            _store.State(_entrySlot[e]).CopyTo(_batchStates.AsSpan(b * s, s));
            _entryInputs.AsSpan(e * n, n).CopyTo(_batchInputs.AsSpan(b * n, n));
        }

        long began = Stopwatch.GetTimestamp();
        try
        {
            _network.StepBatch(weights, _batchInputs.AsSpan(0, batch * n), _batchStates.AsSpan(0, batch * s),
                _batchHeads.AsSpan(0, batch * o), _statuses.AsSpan(0, batch), batch);
        }
        catch (Exception exception) when (IsRecoverable(exception))
        {
            for (int b = 0; b < batch; b++)
            {
                if (!_undo.IsSkipped(_order[start + b]))
                {
                    QuarantineKey(records, sink, _order[start + b], exception);
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
        var head = _shape.Head;
        for (int b = 0; b < batch; b++)
        {
            int e = _order[start + b];
            if (_undo.IsSkipped(e))
            {
                continue;
            }

            try
            {
                int slot = _entrySlot[e];
                ref readonly InputRecord record = ref records[_entryRecord[e]];
                ref readonly EncodedTarget target = ref _entryTarget[e];
                var status = _statuses[b];
                double mean = double.NaN, spread = double.NaN;
                if (status == StepStatus.Ok && target.HasHistory)
                {
                    switch (head)
                    {
                        case HeadKind.Gaussian:
                            mean = target.Mean + target.StandardDeviation * _batchHeads[b * o];
                            spread = target.StandardDeviation * HeadOutput.StandardDeviation(_batchHeads[b * o + 1]);
                            break;
                        case HeadKind.Binary:
                            mean = HeadOutput.Probability(_batchHeads[b * o]);
                            break;
                        default:
                            mean = target.Mean + target.StandardDeviation * _batchHeads[b * o];
                            break;
                    }
                }

                if (status != StepStatus.Ok)
                {
                    UndoStep(records, sink, e, $"the recurrent step gave {status}; the key's state is unchanged");
                    continue;
                }

                // The linear path sees this step's target, then combines its own forecast with the network's.
                _linear?.Observe(_store.LinearOf(slot), target.Value);
                if (_linear is not null && target.HasHistory && double.IsFinite(mean))
                {
                    _linear.Forecast(_store.LinearOf(slot), target.Mean, target.StandardDeviation, mean, spread,
                        _entryStep[e] >= Math.Max(_warmupSteps, 3), out mean, out spread);
                }

                if (target.HasHistory && (!double.IsFinite(mean) || (head == HeadKind.Gaussian && !double.IsFinite(spread))))
                {
                    UndoStep(records, sink, e, "the de-normalised prediction is not finite; the key's state is unchanged");
                    continue;
                }

                if (_windowSteps > 0)
                {
                    // Before the scatter below: a new window starts from the key's state before this step.
                    AssembleWindow(slot, e, target, ok: true);
                }

                _batchStates.AsSpan(b * s, s).CopyTo(_store.StateMutable(slot));

                // The prediction made h steps ago for this step is scored now, in the key's order.
                Span<double> pending = _store.PendingOf(slot).Slice((int)(_entryStep[e] % _horizon) * FeatureLayout.PendingWidth,
                    FeatureLayout.PendingWidth);
                bool due = !double.IsNaN(pending[0]) && !double.IsNaN(target.Value);
                if (due)
                {
                    _scorer.Score(target.Value, pending[0], pending[1], pending[2]);
                }

                _baselines?.Step(slot, _entryStep[e], target.Value, due);

                pending[0] = double.NaN;
                if (!target.HasHistory)
                {
                    continue;
                }

                pending[0] = mean;
                pending[1] = spread;
                pending[2] = target.Baseline;
                _store.LastMean[slot] = mean;
                _store.LastSpread[slot] = spread;
                _store.LastModelVersion[slot] = weights.Version;
                long latencyMs = now - _entryTime[e];
                var key = _store.KeyBytes[slot]!;
                var json = _writer.Write(key, _entryTime[e], weights.Version, mean, spread, target.Raw, _entryStep[e] < _warmupSteps, record, latencyMs);
                sink.Prediction(key, json, record);
                _predictions++;
                _observer?.OnPrediction(new PredictionEvent(_store.Keys[slot]!, _entryTime[e], weights.Version, mean, spread), record, sink);
                if (_metrics is not null)
                {
                    _metrics.PredictionsProduced.Inc();
                    _metrics.EndToEndLatency.Observe(Math.Max(0, latencyMs) / 1000.0);
                }
            }
            catch (Exception exception) when (IsRecoverable(exception))
            {
                QuarantineKey(records, sink, e, exception);
            }
        }
    }

    /// <summary>
    /// Adds step e to its key's training window. Window layout (floats): start state (S), inputs (k × I),
    /// targets (k), weights (k); doubles: μ_t, σ_t of the target at each step. The target of step j is
    /// y_{j+h}, standardised with the statistics of step j (those its prediction was de-normalised with),
    /// <c>z = clamp((y − μ_j) / σ_j, ±10)</c> (raw 0/1 for a Binary head), weight 1; it arrives h steps later, so
    /// the last h steps of a window have weight 0 (targets arriving after the window is handed over are not
    /// used). A failed step drops the partial window.
    /// </summary>
    private void AssembleWindow(int slot, int e, in EncodedTarget target, bool ok)
    {
        if (!ok)
        {
            _store.WindowFill[slot] = 0;
            return;
        }

        int k = _windowSteps, s = _stateSize, n = _inputSize;
        Span<float> floats = _store.WindowFloatsOf(slot);
        Span<double> scales = _store.WindowDoublesOf(slot);
        Span<float> inputs = floats.Slice(s, k * n);
        Span<float> targets = floats.Slice(s + k * n, k);
        Span<float> weights = floats.Slice(s + k * n + k, k);
        int fill = _store.WindowFill[slot];
        if (fill == 0)
        {
            _store.State(slot).CopyTo(floats[..s]);
            targets.Clear();
            weights.Clear();
        }

        _entryInputs.AsSpan(e * n, n).CopyTo(inputs.Slice(fill * n, n));
        scales[2 * fill] = target.Mean;
        scales[2 * fill + 1] = target.StandardDeviation;
        int j = fill - _horizon;
        if (j >= 0 && double.IsFinite(target.Value))
        {
            double z = _shape.Head == HeadKind.Binary ? target.Value
                : Math.Clamp((target.Value - scales[2 * j]) / scales[2 * j + 1], -RunningStatistics.ZLimit, RunningStatistics.ZLimit);
            targets[j] = (float)z;
            weights[j] = 1;
        }

        if (++fill == k)
        {
            fill = 0;
            _windowsCompleted++;
            var trainer = _trainer;
            if (trainer is not null)
            {
                var window = trainer.Pool.Rent();
                floats[..s].CopyTo(window.StartState);
                inputs.CopyTo(window.Inputs);
                targets.CopyTo(window.Targets);
                weights.CopyTo(window.TargetWeights);
                trainer.Submit(window);
            }
        }

        _store.WindowFill[slot] = fill;
    }

    /// <summary>
    /// Writes one changelog record per key changed since the last flush (coalesced: the key's latest state) to
    /// the key's partition. Call before committing offsets, and before <see cref="DropPartition"/> on revocation.
    /// </summary>
    public int FlushChangelog(IRecordSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var visitor = new ChangelogWriter(this, sink);
        int written = _store.DrainDirty(ref visitor);
        _changelogRecords += written;

        // The windows completed so far become durable (and trainable) with the offsets about to be committed.
        _trainer?.Checkpoint();
        return written;
    }

    private struct ChangelogWriter(PipelineRuntime runtime, IRecordSink sink) : ISlotVisitor
    {
        public readonly void Visit(int slot) =>
            sink.Changelog(runtime._store.Partition[slot], runtime._store.KeyBytes[slot], runtime._codec.Encode(slot));
    }

    /// <summary>
    /// Applies one changelog record read back from <paramref name="partition"/>'s changelog: an empty value
    /// deletes the key. A later record of a key overwrites an earlier one unless it claims an older applied input
    /// offset of the same partition than the state already held (a stale writer's record, e.g. from an instance that
    /// had lost the partition): then it is skipped and false is returned, so the newest applied offset always wins
    /// whatever order snapshot and changelog records come in. A record that cannot be used throws
    /// <see cref="StateFormatException"/> and changes nothing.
    /// </summary>
    public bool Restore(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<char> chars = KeyChars(key);
        int slot = _store.Find(chars);
        _restored++;
        _metrics?.RestoredRecords.Inc();
        if (value.IsEmpty)
        {
            if (slot >= 0)
            {
                _codec.Extension?.Forget(_store.Keys[slot]!);
                _store.Remove(slot);
            }
        }
        else
        {
            _codec.Validate(value);
            if (slot >= 0 && _store.Partition[slot] == partition && KeyStateCodec.AppliedOffsetOf(value) < _store.LastOffset[slot])
            {
                return false;
            }

            ApplyRestored(partition, key, chars, value, slot);
        }

        UpdateGauges();
        return true;
    }

    private void ApplyRestored(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<char> chars, ReadOnlySpan<byte> value, int slot)
    {
        if (slot < 0)
        {
            if (_store.IsFull)
            {
                // No sink here: the evicted key keeps its changelog record and comes back on a later restore.
                _store.Remove(_store.LeastRecent);
                _evictedCapacity++;
                _metrics?.EvictedCapacity.Inc();
            }

            slot = _store.Add(chars, key, partition, 0);
            if (_roundOfSlot.Length < _store.Capacity)
            {
                Array.Resize(ref _roundOfSlot, _store.Capacity);
            }
        }

        _codec.Apply(value, slot);
        _store.Partition[slot] = partition;
        _store.Touch(slot, _store.LastSeen[slot]);
    }

    /// <summary>Forgets every key of a revoked or lost partition, without tombstones (flush first on revocation).</summary>
    public void DropPartition(int partition)
    {
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot) && _store.Partition[slot] == partition)
            {
                _codec.Extension?.Forget(_store.Keys[slot]!);
                _store.Remove(slot);
            }
        }

        UpdateGauges();
    }

    /// <summary>
    /// Removes keys not seen for longer than State:IdleTtl (by the <see cref="TimeProvider"/>'s wall time), each
    /// with a tombstone on the changelog. Walks from the least recently used key and stops at the first one
    /// still alive, so it costs O(evicted).
    /// </summary>
    public int EvictIdle(IRecordSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        long cutoff = _time.GetUtcNow().ToUnixTimeMilliseconds() - _idleTtlMs;
        int evicted = 0;
        for (int slot = _store.LeastRecent; slot >= 0 && _store.LastSeen[slot] < cutoff;)
        {
            int next = _store.Newer(slot);
            Tombstone(sink, slot);
            _store.Remove(slot);
            evicted++;
            slot = next;
        }

        _evictedTtl += evicted;
        _metrics?.EvictedTtl.Inc(evicted);
        UpdateGauges();
        return evicted;
    }

    /// <summary>
    /// Writes every key of <paramref name="partition"/> to a local snapshot: "SRSN", format version, layout
    /// fingerprint, partition, key count, creation time, then per key (i32 key length, key, i32 value length,
    /// changelog value), then a CRC-32 of everything before it.
    /// </summary>
    public void WriteSnapshot(int partition, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        int count = 0;
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot) && _store.Partition[slot] == partition)
            {
                count++;
            }
        }

        // Streamed through one pooled chunk with a running checksum (the same bytes as building the whole file in
        // memory, which for a million keys meant a buffer doubling up to the file's size, beyond 1 GB with training).
        byte[] chunk = ArrayPool<byte>.Shared.Rent(Math.Max(SnapshotChunkBytes, 8 + RecordDecoder.MaxKeyBytes + _codec.RecordBytes + 4));
        try
        {
            Span<byte> header = chunk.AsSpan(0, SnapshotHeaderBytes);
            BinaryPrimitives.WriteUInt32LittleEndian(header, SnapshotMagic);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], SnapshotFormatVersion);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 0);
            BinaryPrimitives.WriteUInt64LittleEndian(header[8..], _layout.Fingerprint);
            BinaryPrimitives.WriteInt32LittleEndian(header[16..], partition);
            BinaryPrimitives.WriteInt32LittleEndian(header[20..], count);
            BinaryPrimitives.WriteInt64LittleEndian(header[24..], _time.GetUtcNow().ToUnixTimeMilliseconds());
            BinaryPrimitives.WriteInt32LittleEndian(header[32..], _codec.RecordBytes);
            int used = SnapshotHeaderBytes;
            var crc = new System.IO.Hashing.Crc32();
            for (int slot = 0; slot < _store.HighWater; slot++)
            {
                if (!_store.IsUsed(slot) || _store.Partition[slot] != partition)
                {
                    continue;
                }

                var key = _store.KeyBytes[slot]!;
                var value = _codec.Encode(slot);
                int length = 8 + key.Length + value.Length;
                if (chunk.Length - used < length)
                {
                    crc.Append(chunk.AsSpan(0, used));
                    destination.Write(chunk, 0, used);
                    used = 0;
                }

                var span = chunk.AsSpan(used, length);
                BinaryPrimitives.WriteInt32LittleEndian(span, key.Length);
                key.CopyTo(span[4..]);
                BinaryPrimitives.WriteInt32LittleEndian(span[(4 + key.Length)..], value.Length);
                value.CopyTo(span[(8 + key.Length)..]);
                used += length;
            }

            crc.Append(chunk.AsSpan(0, used));
            if (chunk.Length - used < 4)
            {
                destination.Write(chunk, 0, used);
                used = 0;
            }

            BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(used), crc.GetCurrentHashAsUInt32());
            destination.Write(chunk, 0, used + 4);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
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
        ReadOnlySpan<byte> data = ReadWhole(source);
        if (data.Length < SnapshotHeaderBytes + 4)
        {
            throw new StateFormatException($"Snapshot is truncated: {data.Length} bytes, a snapshot has at least {SnapshotHeaderBytes + 4}.");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != SnapshotMagic)
        {
            throw new StateFormatException("Snapshot has a bad magic number (not a StreamRnn state snapshot).");
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        if (version != SnapshotFormatVersion)
        {
            throw new StateFormatException($"Snapshot has unsupported format version {version} (this build reads {SnapshotFormatVersion}).");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[^4..]);
        uint computed = Crc32.Compute(data[..^4]);
        if (stored != computed)
        {
            throw new StateFormatException($"Snapshot checksum mismatch (stored {stored:X8}, computed {computed:X8}): the file is truncated or corrupted.");
        }

        ulong fingerprint = BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
        if (fingerprint != _layout.Fingerprint)
        {
            throw new StateFormatException($"Snapshot was written for another model shape or feature layout (fingerprint {fingerprint:X16}, expected {_layout.Fingerprint:X16}).");
        }

        int partition = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(data[20..]);
        var entries = new List<(int KeyStart, int KeyLength, int ValueStart, int ValueLength)>(Math.Max(0, Math.Min(count, 1 << 20)));
        int offset = SnapshotHeaderBytes, end = data.Length - 4;
        for (int i = 0; i < count; i++)
        {
            if (end - offset < 4)
            {
                throw new StateFormatException($"Snapshot ends inside key {i} of {count}.");
            }

            int keyLength = BinaryPrimitives.ReadInt32LittleEndian(data[offset..]);
            if (keyLength <= 0 || keyLength > RecordDecoder.MaxKeyBytes || end - offset - 4 < keyLength + 4)
            {
                throw new StateFormatException($"Snapshot key {i} of {count} has a bad length {keyLength}.");
            }

            int valueLength = BinaryPrimitives.ReadInt32LittleEndian(data[(offset + 4 + keyLength)..]);
            int valueStart = offset + 8 + keyLength;
            if (valueLength <= 0 || end - valueStart < valueLength)
            {
                throw new StateFormatException($"Snapshot value {i} of {count} has a bad length {valueLength}.");
            }

            // The file's checksum, verified above, covers every value: each value's own is not recomputed.
            _codec.Validate(data.Slice(valueStart, valueLength), checksumCovered: true);
            KeyChars(data.Slice(offset + 4, keyLength));
            entries.Add((offset + 4, keyLength, valueStart, valueLength));
            offset = valueStart + valueLength;
        }

        if (offset != end)
        {
            throw new StateFormatException($"Snapshot has {end - offset} bytes after its {count} keys.");
        }

        DropPartition(partition);
        _store.EnsureCapacity(_store.Count + entries.Count);
        if (_roundOfSlot.Length < _store.Capacity)
        {
            Array.Resize(ref _roundOfSlot, _store.Capacity);
        }

        foreach (var (keyStart, keyLength, valueStart, valueLength) in entries)
        {
            var key = data.Slice(keyStart, keyLength);
            var chars = KeyChars(key);
            ApplyRestored(partition, key, chars, data.Slice(valueStart, valueLength), _store.Find(chars));
        }

        _restored += entries.Count;
        _metrics?.RestoredRecords.Inc(entries.Count);
        UpdateGauges();
        return partition;
    }

    /// <summary>The rest of <paramref name="source"/> in one array: sized once when the stream knows its length (a file).</summary>
    private static ReadOnlySpan<byte> ReadWhole(Stream source)
    {
        if (source.CanSeek)
        {
            long remaining = source.Length - source.Position;
            if (remaining > Array.MaxLength)
            {
                throw new StateFormatException($"Snapshot of {remaining} bytes is larger than this build reads ({Array.MaxLength}).");
            }

            byte[] data = GC.AllocateUninitializedArray<byte>((int)Math.Max(remaining, 0));
            source.ReadExactly(data);
            return data;
        }

        using var copy = new MemoryStream();
        source.CopyTo(copy);
        return copy.GetBuffer().AsSpan(0, (int)copy.Length);
    }

    /// <summary>A copy of one key's state, or null if the key is not held. Not thread-safe: call on the owning thread.</summary>
    public KeySummary? QueryKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        int slot = _store.Find(key);
        if (slot < 0)
        {
            return null;
        }

        double mean = _store.LastMean[slot], spread = _store.LastSpread[slot];
        return new KeySummary(
            key,
            _store.Partition[slot],
            _store.LastOffset[slot],
            DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(_store.LastEventTime[slot], 0, 253_402_300_799_999)),
            _store.Steps[slot],
            double.IsNaN(mean) ? null : mean,
            double.IsNaN(spread) ? null : spread,
            _store.LastModelVersion[slot],
            _store.State(slot).ToArray());
    }

    /// <summary>A copy of the recurrent state of a key (tests compare these bit for bit).</summary>
    internal float[]? StateOf(string key) => _store.Find(key) is var slot and >= 0 ? _store.State(slot).ToArray() : null;

    /// <summary>A copy of a key's linear-path state (empty without one; null for an unknown key).</summary>
    internal double[]? LinearStateOf(string key) => _store.Find(key) is var slot and >= 0 ? _store.LinearOf(slot).ToArray() : null;

    /// <summary>Every key with its state and statistics, for bit-for-bit comparisons in tests.</summary>
    internal IEnumerable<(string Key, float[] State, double[] Statistics, double[] Previous, double[] Pending, long Offset, long Steps,
        float[] WindowFloats, double[] WindowDoubles, int WindowFill)> Dump()
    {
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot))
            {
                yield return (_store.Keys[slot]!, _store.State(slot).ToArray(), _store.StatisticsOf(slot).ToArray(),
                    _store.PreviousOf(slot).ToArray(), _store.PendingOf(slot).ToArray(), _store.LastOffset[slot], _store.Steps[slot],
                    _store.WindowFloatsOf(slot).ToArray(), _store.WindowDoublesOf(slot).ToArray(), _store.WindowFill[slot]);
            }
        }
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
