using System.Globalization;

namespace StreamRnn.Engine;

/// <summary>
/// The poison policy of <see cref="PipelineRuntime"/>: no single record can stop the daemon or corrupt a key.
/// A record stamped too far in the future is dead-lettered (FutureTimestamp); a step that fails is taken back
/// completely (NumericalError: the key's state, statistics, previous values, offset and clock stay as they were, and
/// the key's later records of the call are encoded again on top of that); an unexpected exception dead-letters its
/// record (InternalError, with the exception type but no stack) and, once the key's state may be half-updated,
/// quarantines the key: it is removed with a tombstone and restarts from an empty state.
/// </summary>
public sealed partial class PipelineRuntime
{
    private const int MaxExceptionDetailChars = 300;

    private readonly StepUndoLog _undo = new();
    private readonly List<int> _quarantined = [];

    /// <summary>Keys held for one input partition (the restore log reports this, not the total).</summary>
    public int KeyCountOf(int partition)
    {
        int count = 0;
        for (int slot = 0; slot < _store.HighWater; slot++)
        {
            if (_store.IsUsed(slot) && _store.Partition[slot] == partition)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>True (with a detail) when <paramref name="eventTime"/> is beyond Input:MaxFutureSkew from <paramref name="now"/>.</summary>
    private bool IsTooFarAhead(long eventTime, long now, out string detail)
    {
        long skew = (long)Definition.Input.MaxFutureSkew.TotalMilliseconds;
        if (eventTime - now <= skew)
        {
            detail = "";
            return false;
        }

        detail = string.Create(CultureInfo.InvariantCulture,
            $"event time {DateTimeOffset.FromUnixTimeMilliseconds(eventTime):O} is more than Input:MaxFutureSkew ({Definition.Input.MaxFutureSkew}) ahead of the clock ({DateTimeOffset.FromUnixTimeMilliseconds(now):O})");
        return true;
    }

    /// <summary>A record whose acceptance threw: dead-lettered; a key it had just created is forgotten again.</summary>
    private void AcceptFailed(IRecordSink sink, in InputRecord record, Exception exception, int createdSlot)
    {
        if (createdSlot >= 0 && _store.IsUsed(createdSlot))
        {
            _store.Remove(createdSlot);
        }

        DeadLetter(sink, record, DeadLetterReason.InternalError, Describe(exception, "reading the record"));
    }

    /// <summary>
    /// Takes back entry <paramref name="entry"/>, whose step failed: its key's bookkeeping returns to what it was
    /// before the record, the partial training window is dropped, the record is dead-lettered, and the key's later
    /// records of this call (encoded on top of the failed one) are encoded again.
    /// </summary>
    private void UndoStep(ReadOnlySpan<InputRecord> records, IRecordSink sink, int entry, string detail)
    {
        int slot = _entrySlot[entry];
        _store.WindowFill[slot] = 0;
        _undo.Restore(entry, _store, slot);
        _applied--;
        DeadLetter(sink, records[_entryRecord[entry]], DeadLetterReason.NumericalError, detail);
        bool later = false;
        for (int e = entry + 1; e < _undo.Entries; e++)
        {
            if (_entrySlot[e] != slot || _undo.IsSkipped(e))
            {
                continue;
            }

            later = true;
            ref readonly InputRecord record = ref records[_entryRecord[e]];
            _undo.Save(e, _store, slot);
            if (!_decoder.TryDecode(record, out var reason, out string why)
                || !_encoder.TryEncode(_decoder, _store.StatisticsOf(slot), _store.PreviousOf(slot),
                    _entryInputs.AsSpan(e * _inputSize, _inputSize), out var target, out reason, out why))
            {
                _undo.Skip(e);
                _applied--;
                DeadLetter(sink, record, reason, why);
                continue;
            }

            _store.Partition[slot] = record.Partition;
            _store.LastOffset[slot] = record.Offset;
            _store.LastEventTime[slot] = Math.Max(_store.LastEventTime[slot], _decoder.EventTimeUnixMs);
            _entryStep[e] = ++_store.Steps[slot];
            _entryTime[e] = _decoder.EventTimeUnixMs;
            _entryTarget[e] = target;
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
    private void QuarantineKey(ReadOnlySpan<InputRecord> records, IRecordSink sink, int entry, Exception exception)
    {
        int slot = _entrySlot[entry];
        _undo.Skip(entry);
        _applied--;
        if (!_quarantined.Contains(slot))
        {
            _quarantined.Add(slot);
        }

        DeadLetter(sink, records[_entryRecord[entry]], DeadLetterReason.InternalError,
            Describe(exception, "stepping the record") + "; the key was quarantined and restarts from an empty state");
        for (int e = entry + 1; e < _undo.Entries; e++)
        {
            if (_entrySlot[e] == slot && !_undo.IsSkipped(e))
            {
                _undo.Skip(e);
                _applied--;
                DeadLetter(sink, records[_entryRecord[e]], DeadLetterReason.InternalError,
                    "an earlier record of this key in the same batch failed and the key was quarantined");
            }
        }
    }

    /// <summary>Removes the keys quarantined during this call, each with a tombstone so a restore agrees.</summary>
    private void RemoveQuarantined(IRecordSink sink)
    {
        foreach (int slot in _quarantined)
        {
            if (_store.IsUsed(slot))
            {
                Tombstone(sink, slot);
                _codec.Extension?.Forget(_store.Keys[slot]!);
                _store.Remove(slot);
            }
        }

        _quarantined.Clear();
    }

    private static string Describe(Exception exception, string doing)
    {
        string message = exception.Message.Length > MaxExceptionDetailChars
            ? exception.Message[..MaxExceptionDetailChars] + "…"
            : exception.Message;
        return $"{exception.GetType().Name} while {doing}: {message}";
    }

    /// <summary>Exceptions caught per record: all but running out of memory (which no record causes on its own).</summary>
    private static bool IsRecoverable(Exception exception) => exception is not OutOfMemoryException;
}
