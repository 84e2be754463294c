using StreamRnn.Engine.State;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// Per accepted record of one <see cref="PipelineRuntime.Process"/> call: its key's bookkeeping just before the
/// record was accepted (running statistics, previous values, offset, event-time clock, step count, partition), so a
/// record whose step fails can be taken back as if it had never arrived. Also marks entries that must not be
/// applied after all (re-encoded and rejected, or their key quarantined). Allocation-free once grown.
/// </summary>
internal sealed class StepUndoLog
{
    private int _width;
    private double[] _values = [];
    private long[] _offset = [];
    private long[] _eventTime = [];
    private long[] _steps = [];
    private int[] _partition = [];
    private bool[] _skip = [];

    /// <summary>Entries accepted in the current call.</summary>
    public int Entries { get; set; }

    /// <summary>Room for <paramref name="entries"/> entries of <paramref name="store"/>'s keys; clears the skip marks.</summary>
    public void Reset(int entries, KeyStateStore store)
    {
        Entries = 0;
        int width = store.StatisticWidth + store.PreviousWidth;
        if (_skip.Length < entries || width != _width)
        {
            int size = Math.Max(entries, _skip.Length * 2);
            _width = width;
            _values = new double[size * width];
            _offset = new long[size];
            _eventTime = new long[size];
            _steps = new long[size];
            _partition = new int[size];
            _skip = new bool[size];
        }
        else
        {
            Array.Clear(_skip, 0, entries);
        }
    }

    /// <summary>Remembers the key's bookkeeping before entry <paramref name="entry"/> changes it.</summary>
    public void Save(int entry, KeyStateStore store, int slot)
    {
        var values = _values.AsSpan(entry * _width, _width);
        store.StatisticsOf(slot).CopyTo(values);
        store.PreviousOf(slot).CopyTo(values[store.StatisticWidth..]);
        _offset[entry] = store.LastOffset[slot];
        _eventTime[entry] = store.LastEventTime[slot];
        _steps[entry] = store.Steps[slot];
        _partition[entry] = store.Partition[slot];
    }

    /// <summary>Puts the key's bookkeeping back as it was before entry <paramref name="entry"/>.</summary>
    public void Restore(int entry, KeyStateStore store, int slot)
    {
        var values = _values.AsSpan(entry * _width, _width);
        values[..store.StatisticWidth].CopyTo(store.StatisticsOf(slot));
        values[store.StatisticWidth..].CopyTo(store.PreviousOf(slot));
        store.LastOffset[slot] = _offset[entry];
        store.LastEventTime[slot] = _eventTime[entry];
        store.Steps[slot] = _steps[entry];
        store.Partition[slot] = _partition[entry];
    }

    /// <summary>True when the entry was created with a fresh key (no step applied before it).</summary>
    public bool WasNewKey(int entry) => _steps[entry] == 0 && _offset[entry] < 0;

    public void Skip(int entry) => _skip[entry] = true;

    public bool IsSkipped(int entry) => _skip[entry];
}
