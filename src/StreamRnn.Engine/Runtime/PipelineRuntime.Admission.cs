using System.Diagnostics;
using StreamRnn.Core;

namespace StreamRnn.Engine;

// Pass 1 of Process: decode, find or create the key, skip duplicates and late records, standardise, assign rounds.
public sealed partial class PipelineRuntime
{
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
}
