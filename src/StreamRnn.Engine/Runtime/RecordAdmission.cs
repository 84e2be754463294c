using System.Globalization;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Decoding;
using StreamRnn.Engine.Features;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// Pass 1 of <see cref="PipelineRuntime.Process"/>, in input order: decode, dead-letter records stamped too far in the
/// future, find or create the key (evicting for capacity by policy), skip duplicates and late records, standardise
/// the features with the key's running statistics, and add the record to the <see cref="MicroBatchPlan"/>.
/// </summary>
internal sealed class RecordAdmission(PipelineDefinition definition, RecordDecoder decoder, FeatureEncoder encoder, KeyStateStore store,
    MicroBatchPlan plan, StepUndoLog undo, RuntimeTally tally, PipelineMetrics? metrics)
{
    private readonly PipelineDefinition _definition = definition;
    private readonly RecordDecoder _decoder = decoder;
    private readonly FeatureEncoder _encoder = encoder;
    private readonly KeyStateStore _store = store;
    private readonly MicroBatchPlan _plan = plan;
    private readonly StepUndoLog _undo = undo;
    private readonly PipelineMetrics? _metrics = metrics;

    /// <summary>Admits <paramref name="records"/> into the plan; returns the number of entries.</summary>
    public int Accept(ReadOnlySpan<InputRecord> records, IRecordSink sink, long now)
    {
        int accepted = 0;
        _plan.BeginAdmission();
        var policy = _definition.LateRecords;
        for (int i = 0; i < records.Length; i++)
        {
            ref readonly var record = ref records[i];
            int slot = -1;
            bool created = false;
            try
            {
                if (!_decoder.TryDecode(record, out var reason, out string detail))
                {
                    tally.DeadLetter(sink, record, reason, detail);
                    continue;
                }

                long eventTime = _decoder.EventTimeUnixMs;
                if (IsTooFarAhead(eventTime, now, out detail))
                {
                    tally.DeadLetter(sink, record, DeadLetterReason.FutureTimestamp, detail);
                    continue;
                }

                slot = _store.Find(_decoder.KeyChars);
                if (slot >= 0)
                {
                    if (record.Partition == _store.Partition[slot] && record.Offset <= _store.LastOffset[slot])
                    {
                        tally.Duplicates++;
                        _metrics?.SkippedDuplicate.Inc();
                        continue;
                    }

                    if (eventTime < _store.LastEventTime[slot])
                    {
                        tally.Late++;
                        _metrics?.LateRecords.Inc();
                        if (policy == LateRecordPolicy.Drop)
                        {
                            tally.SkippedLate++;
                            _metrics?.SkippedLate.Inc();
                            continue;
                        }
                    }
                }
                else
                {
                    if (_store.IsFull && !MakeRoom(sink, record, out reason, out detail))
                    {
                        tally.DeadLetter(sink, record, reason, detail);
                        continue;
                    }

                    slot = _store.Add(_decoder.KeyChars, _decoder.KeyBytes, record.Partition, now);
                    created = true;
                    _plan.EnsureSlotCapacity(_store.Capacity);
                }

                _undo.Save(accepted, _store, slot);
                if (!_encoder.TryEncode(_decoder, _store.StatisticsOf(slot), _store.PreviousOf(slot),
                        _plan.InputsOf(accepted), _plan.HorizonsOf(accepted), out var target, out reason, out detail))
                {
                    if (created)
                    {
                        _store.Remove(slot);
                    }

                    tally.DeadLetter(sink, record, reason, detail);
                    continue;
                }

                _store.Partition[slot] = record.Partition;
                _store.LastOffset[slot] = record.Offset;
                _store.LastEventTime[slot] = Math.Max(_store.LastEventTime[slot], eventTime);
                long step = ++_store.Steps[slot];
                _store.Touch(slot, now);
                _store.MarkDirty(slot);
                _plan.Add(accepted, slot, i, step, eventTime, target);
                accepted++;
            }
            catch (Exception exception) when (PoisonPolicy.IsRecoverable(exception))
            {
                AcceptFailed(sink, record, exception, created ? slot : -1);
            }
        }

        _plan.EndAdmission();
        tally.Applied += accepted;
        _undo.Entries = accepted;
        return accepted;
    }

    /// <summary>Evicts the least recently used key for a new one, unless the policy or the batch forbids it.</summary>
    private bool MakeRoom(IRecordSink sink, in InputRecord record, out DeadLetterReason reason, out string detail)
    {
        reason = DeadLetterReason.StateFull;
        if (_definition.State.WhenFull == WhenFullPolicy.DeadLetter)
        {
            detail = $"the state store holds State:MaxKeys = {_definition.State.MaxKeys} keys and WhenFull is DeadLetter";
            return false;
        }

        int victim = _store.LeastRecent;
        if (victim < 0 || _plan.InBatch(victim))
        {
            detail = $"every one of State:MaxKeys = {_definition.State.MaxKeys} keys has a record in this batch";
            return false;
        }

        tally.Tombstone(sink, _store, victim);
        _store.Remove(victim);
        tally.EvictedCapacity++;
        _metrics?.EvictedCapacity.Inc();
        detail = "";
        return true;
    }

    /// <summary>True (with a detail) when <paramref name="eventTime"/> is beyond Input:MaxFutureSkew from <paramref name="now"/>.</summary>
    private bool IsTooFarAhead(long eventTime, long now, out string detail)
    {
        long skew = (long)_definition.Input.MaxFutureSkew.TotalMilliseconds;
        if (eventTime - now <= skew)
        {
            detail = "";
            return false;
        }

        detail = string.Create(CultureInfo.InvariantCulture,
            $"event time {DateTimeOffset.FromUnixTimeMilliseconds(eventTime):O} is more than Input:MaxFutureSkew ({_definition.Input.MaxFutureSkew}) ahead of the clock ({DateTimeOffset.FromUnixTimeMilliseconds(now):O})");
        return true;
    }

    /// <summary>A record whose acceptance threw: dead-lettered; a key it had just created is forgotten again.</summary>
    private void AcceptFailed(IRecordSink sink, in InputRecord record, Exception exception, int createdSlot)
    {
        if (createdSlot >= 0 && _store.IsUsed(createdSlot))
        {
            _store.Remove(createdSlot);
        }

        tally.DeadLetter(sink, record, DeadLetterReason.InternalError, PoisonPolicy.Describe(exception, "reading the record"));
    }
}
