using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// The poison policy of <see cref="PipelineRuntime"/>: no single record can stop the daemon or corrupt a key.
/// A record stamped too far in the future is dead-lettered (FutureTimestamp); a step that fails is taken back
/// completely (NumericalError: the key's state, statistics, previous values, offset and clock stay as they were, and
/// the key's later records of the call are encoded again on top of that); an unexpected exception dead-letters its
/// record (InternalError, with the exception type but no stack) and, once the key's state may be half-updated,
/// quarantines the key: it is removed with a tombstone and restarts from an empty state.
/// </summary>
internal sealed class PoisonPolicy(RecordDecoder decoder, FeatureEncoder encoder, KeyStateStore store, KeyStateCodec codec,
    MicroBatchPlan plan, StepUndoLog undo, RuntimeTally tally)
{
    private const int MaxExceptionDetailChars = 300;

    private readonly RecordDecoder _decoder = decoder;
    private readonly FeatureEncoder _encoder = encoder;
    private readonly KeyStateStore _store = store;
    private readonly KeyStateCodec _codec = codec;
    private readonly MicroBatchPlan _plan = plan;
    private readonly StepUndoLog _undo = undo;
    private readonly List<int> _quarantined = [];

    /// <summary>
    /// Takes back entry <paramref name="entry"/>, whose step failed: its key's bookkeeping returns to what it was
    /// before the record, the partial training window is dropped, the record is dead-lettered, and the key's later
    /// records of this call (encoded on top of the failed one) are encoded again.
    /// </summary>
    public void UndoStep(ReadOnlySpan<InputRecord> records, IRecordSink sink, int entry, string detail)
    {
        int slot = _plan.EntrySlot[entry];
        _store.WindowFill[slot] = 0;
        _undo.Restore(entry, _store, slot);
        tally.Applied--;
        tally.DeadLetter(sink, records[_plan.EntryRecord[entry]], DeadLetterReason.NumericalError, detail);
        bool later = false;
        for (int e = entry + 1; e < _undo.Entries; e++)
        {
            if (_plan.EntrySlot[e] != slot || _undo.IsSkipped(e))
            {
                continue;
            }

            later = true;
            ref readonly var record = ref records[_plan.EntryRecord[e]];
            _undo.Save(e, _store, slot);
            if (!_decoder.TryDecode(record, out var reason, out string why)
                || !_encoder.TryEncode(_decoder, _store.StatisticsOf(slot), _store.PreviousOf(slot),
                    _plan.InputsOf(e), _plan.HorizonsOf(e), out var target, out reason, out why))
            {
                _undo.Skip(e);
                tally.Applied--;
                tally.DeadLetter(sink, record, reason, why);
                continue;
            }

            _store.Partition[slot] = record.Partition;
            _store.LastOffset[slot] = record.Offset;
            _store.LastEventTime[slot] = Math.Max(_store.LastEventTime[slot], _decoder.EventTimeUnixMs);
            _plan.EntryStep[e] = ++_store.Steps[slot];
            _plan.EntryTime[e] = _decoder.EventTimeUnixMs;
            _plan.EntryTarget[e] = target;
        }

        if (!later && _undo.WasNewKey(entry))
        {
            // The key arrived with this record: as if it never had.
            _codec.Extension?.Forget(_store.Keys[slot]!);
            _store.Remove(slot);
        }
    }

    /// <summary>
    /// Entry <paramref name="entry"/> threw after its step: dead-lettered, and its key quarantined (its later records
    /// of this call are dead-lettered too; the key is removed with a tombstone when the call ends).
    /// </summary>
    public void QuarantineKey(ReadOnlySpan<InputRecord> records, IRecordSink sink, int entry, Exception exception)
    {
        int slot = _plan.EntrySlot[entry];
        _undo.Skip(entry);
        tally.Applied--;
        if (!_quarantined.Contains(slot))
        {
            _quarantined.Add(slot);
        }

        tally.DeadLetter(sink, records[_plan.EntryRecord[entry]], DeadLetterReason.InternalError,
            Describe(exception, "stepping the record") + "; the key was quarantined and restarts from an empty state");
        for (int e = entry + 1; e < _undo.Entries; e++)
        {
            if (_plan.EntrySlot[e] == slot && !_undo.IsSkipped(e))
            {
                _undo.Skip(e);
                tally.Applied--;
                tally.DeadLetter(sink, records[_plan.EntryRecord[e]], DeadLetterReason.InternalError,
                    "an earlier record of this key in the same batch failed and the key was quarantined");
            }
        }
    }

    /// <summary>Removes the keys quarantined during this call, each with a tombstone so a restore agrees.</summary>
    public void RemoveQuarantined(IRecordSink sink)
    {
        foreach (int slot in _quarantined)
        {
            if (_store.IsUsed(slot))
            {
                tally.Tombstone(sink, _store, slot);
                _codec.Extension?.Forget(_store.Keys[slot]!);
                _store.Remove(slot);
            }
        }

        _quarantined.Clear();
    }

    public static string Describe(Exception exception, string doing)
    {
        string message = exception.Message.Length > MaxExceptionDetailChars
            ? exception.Message[..MaxExceptionDetailChars] + "…"
            : exception.Message;
        return $"{exception.GetType().Name} while {doing}: {message}";
    }

    /// <summary>Exceptions caught per record: all but running out of memory (which no record causes on its own).</summary>
    public static bool IsRecoverable(Exception exception) => exception is not OutOfMemoryException;
}
