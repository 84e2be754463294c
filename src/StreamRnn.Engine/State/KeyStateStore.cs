using StreamRnn.Engine.Features;

namespace StreamRnn.Engine.State;

/// <summary>
/// Per-key state in contiguous slabs indexed by slot: recurrent state floats, normaliser statistics, previous
/// raw values, pending predictions, offsets and times. No per-key objects besides the key's string and UTF-8
/// bytes (made once when the key arrives). Known keys are found without allocating through an alternate
/// lookup on <see cref="ReadOnlySpan{T}"/> of char. Freed slots are reused; slabs grow by doubling up to
/// MaxKeys. An intrusive doubly linked list keeps slots in order of last use for TTL and capacity eviction in
/// O(1) per key. Single-threaded.
/// </summary>
/// <remarks>
/// Bytes per key (slabs) = 4·StateSize + 8·(3·Statistics + Previous + PendingWidth·K·MaxHorizon + 2) + 8·6 (longs), K = 1 but with Target:Horizons
/// + 4·6 (ints) + 2 references, plus the key: a string (≈ 22 + 2·length), a byte array (≈ 24 + length) and a
/// dictionary entry (≈ 24). "A few KB per key" in practice: an LSTM with H = 32, one layer, three features of
/// which three keep statistics, horizon 1 needs 256 (state) + 160 (statistics, previous values, pending
/// prediction, last prediction) + 84 (bookkeeping) = 500 bytes of slabs, plus ≈ 100 bytes for an 8-character key:
/// about 0.6 KB per key, so a million keys take ≈ 0.6 GB. Two LSTM layers of H = 64 need 1 KB of state alone
/// (≈ 1.4 KB per key). With training on, the window being assembled adds 4·(StateSize + k·(I + 2)) + 16·k bytes:
/// for k = 16 and I = 4 that is 256 + 384 + 256 ≈ 0.9 KB, so ≈ 1.5 KB per key.
/// </remarks>
internal sealed class KeyStateStore
{
    private const int None = -1;

    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly int _maxKeys;
    private int[] _free = [];
    private int _freeCount;
    private int _highWater;
    private int _dirtyCount;
    private int _head = None;
    private int _tail = None;
    private long _keyBytesHeld;
    private readonly double[] _linearTemplate;

    public KeyStateStore(int stateSize, int statisticCount, int previousCount, int pendingCount, int maxKeys,
        int windowFloatCount = 0, int windowDoubleCount = 0, int initialCapacity = 64, double[]? linearTemplate = null,
        int linearLegacyWidth = 0, int linearLayout2Width = 0)
    {
        _linearTemplate = linearTemplate ?? [];
        LinearWidth = _linearTemplate.Length;
        LinearLegacyWidth = linearLegacyWidth;
        LinearLayout2Width = linearLayout2Width;
        StateSize = stateSize;
        WindowFloatWidth = windowFloatCount;
        WindowDoubleWidth = windowDoubleCount;
        StatisticWidth = statisticCount * RunningStatistics.Width;
        PreviousWidth = previousCount;
        PendingWidth = pendingCount;
        _maxKeys = maxKeys;
        _lookup = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        Capacity = 0;
        Grow(Math.Min(Math.Max(initialCapacity, 1), maxKeys));
    }

    public int StateSize { get; }
    public int StatisticWidth { get; }
    public int PreviousWidth { get; }
    public int PendingWidth { get; }

    /// <summary>Floats of the training window being assembled per key (0 without training).</summary>
    public int WindowFloatWidth { get; }

    /// <summary>Doubles of the training window being assembled per key (0 without training).</summary>
    public int WindowDoubleWidth { get; }
    /// <summary>Doubles of the key's linear path (<see cref="LinearCombiner"/>; 0 without one).</summary>
    public int LinearWidth { get; }

    /// <summary>Doubles of a layout-1 linear section (before the guard), restored into the prefix; 0 = none.</summary>
    public int LinearLegacyWidth { get; }

    /// <summary>Doubles of a layout-2 linear section (guard without evidence), whose layout-1 prefix is restored; 0 = none.</summary>
    public int LinearLayout2Width { get; }

    public int Capacity { get; private set; }
    public int Count => _index.Count;
    public bool IsFull => Count >= _maxKeys;

    // Slabs, indexed by slot (times the width where there is one).
    public string?[] Keys { get; private set; } = [];
    public byte[]?[] KeyBytes { get; private set; } = [];
    public int[] Partition { get; private set; } = [];
    public long[] LastOffset { get; private set; } = [];
    public long[] LastEventTime { get; private set; } = [];
    public long[] Steps { get; private set; } = [];
    public long[] LastSeen { get; private set; } = [];
    public long[] LastModelVersion { get; private set; } = [];
    public double[] LastMean { get; private set; } = [];
    public double[] LastSpread { get; private set; } = [];
    public float[] States { get; private set; } = [];
    public double[] Statistics { get; private set; } = [];
    public double[] Previous { get; private set; } = [];
    public double[] Pending { get; private set; } = [];
    public float[] WindowFloats { get; private set; } = [];
    public double[] WindowDoubles { get; private set; } = [];
    public double[] Linear { get; private set; } = [];

    /// <summary>Steps in the key's current training window.</summary>
    public int[] WindowFill { get; private set; } = [];
    private int[] _dirtyPosition = [];
    private int[] _dirtyList = [];
    private int[] _older = [];
    private int[] _newer = [];

    /// <summary>Bytes of slab storage per slot.</summary>
    public int SlabBytesPerSlot =>
        4 * (StateSize + WindowFloatWidth) + 8 * (StatisticWidth + PreviousWidth + PendingWidth + WindowDoubleWidth + LinearWidth + 2)
        + 8 * 6 + 4 * 6 + 2 * IntPtr.Size;

    /// <summary>Bytes held: allocated slabs plus keys and index entries.</summary>
    public long Bytes => (long)Capacity * SlabBytesPerSlot + _keyBytesHeld + (long)Count * 24;

    /// <summary>Bytes per key, with the average key size of the keys held.</summary>
    public long BytesPerKey => SlabBytesPerSlot + 24 + (Count == 0 ? 0 : _keyBytesHeld / Count);

    /// <summary>Slots below this have been used; iterate 0..HighWater and check <see cref="IsUsed"/>.</summary>
    public int HighWater => _highWater;

    public bool IsUsed(int slot) => Keys[slot] is not null;

    public int Find(ReadOnlySpan<char> key) => _lookup.TryGetValue(key, out int slot) ? slot : None;

    public int Find(string key) => _index.TryGetValue(key, out int slot) ? slot : None;

    public ReadOnlySpan<float> State(int slot) => States.AsSpan(slot * StateSize, StateSize);
    public Span<float> StateMutable(int slot) => States.AsSpan(slot * StateSize, StateSize);
    public Span<double> StatisticsOf(int slot) => Statistics.AsSpan(slot * StatisticWidth, StatisticWidth);
    public Span<double> PreviousOf(int slot) => Previous.AsSpan(slot * PreviousWidth, PreviousWidth);
    public Span<double> PendingOf(int slot) => Pending.AsSpan(slot * PendingWidth, PendingWidth);
    public Span<float> WindowFloatsOf(int slot) => WindowFloats.AsSpan(slot * WindowFloatWidth, WindowFloatWidth);
    public Span<double> WindowDoublesOf(int slot) => WindowDoubles.AsSpan(slot * WindowDoubleWidth, WindowDoubleWidth);
    public Span<double> LinearOf(int slot) => Linear.AsSpan(slot * LinearWidth, LinearWidth);

    /// <summary>Puts the key's linear path back to its starting state (persistence prior, no history).</summary>
    public void ResetLinear(int slot) => _linearTemplate.CopyTo(LinearOf(slot));

    /// <summary>The least recently used slot, or -1 when empty.</summary>
    public int LeastRecent => _tail;

    /// <summary>The slot used after <paramref name="slot"/> (towards the most recent), or -1.</summary>
    public int Newer(int slot) => _newer[slot];

    /// <summary>Adds a key with a fresh state (zeros, no statistics, no previous values). The caller checks <see cref="IsFull"/>.</summary>
    public int Add(ReadOnlySpan<char> key, ReadOnlySpan<byte> keyBytes, int partition, long now)
    {
        int slot;
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (_highWater == Capacity)
            {
                Grow(Math.Min(Math.Max(Capacity * 2, 64), _maxKeys));
            }

            slot = _highWater++;
        }

        string text = key.ToString();
        _index.Add(text, slot);
        Keys[slot] = text;
        KeyBytes[slot] = keyBytes.ToArray();
        _keyBytesHeld += 22 + 2 * text.Length + 24 + keyBytes.Length;
        Partition[slot] = partition;
        LastOffset[slot] = -1;
        LastEventTime[slot] = long.MinValue;
        Steps[slot] = 0;
        LastSeen[slot] = now;
        LastModelVersion[slot] = 0;
        LastMean[slot] = double.NaN;
        LastSpread[slot] = double.NaN;
        StateMutable(slot).Clear();
        StatisticsOf(slot).Clear();
        PreviousOf(slot).Fill(double.NaN);
        PendingOf(slot).Fill(double.NaN);
        WindowFloatsOf(slot).Clear();
        WindowDoublesOf(slot).Clear();
        ResetLinear(slot);
        WindowFill[slot] = 0;
        _dirtyPosition[slot] = -1;
        LinkNewest(slot);
        return slot;
    }

    /// <summary>
    /// Makes room for <paramref name="keys"/> keys in all (capped at MaxKeys), slabs and index, before a restore that
    /// knows how many keys are coming (a snapshot's count), so the keys it adds neither copy the slabs at every
    /// doubling nor rehash the index. Grows at least geometrically, as <see cref="Add"/> does: partitions restored one
    /// after another (each hinting the keys so far plus its own) then copy the slabs about once in all, not once each.
    /// Never shrinks; returns the capacity.
    /// </summary>
    public int EnsureCapacity(int keys)
    {
        int wanted = Math.Min(keys, _maxKeys);
        if (wanted > Capacity)
        {
            Grow((int)Math.Min(Math.Max(wanted, 2L * Capacity), _maxKeys));
            _index.EnsureCapacity(Capacity);
        }

        return Capacity;
    }

    /// <summary>Forgets a key; its slot is reused by a later key.</summary>
    public void Remove(int slot)
    {
        string key = Keys[slot]!;
        _index.Remove(key);
        _keyBytesHeld -= 22 + 2 * key.Length + 24 + KeyBytes[slot]!.Length;
        Keys[slot] = null;
        KeyBytes[slot] = null;
        ClearDirty(slot);
        Unlink(slot);
        _free[_freeCount++] = slot;
    }

    /// <summary>Marks a key as just used (wall time <paramref name="now"/>, Unix ms).</summary>
    public void Touch(int slot, long now)
    {
        LastSeen[slot] = now;
        if (_head != slot)
        {
            Unlink(slot);
            LinkNewest(slot);
        }
    }

    public void MarkDirty(int slot)
    {
        if (_dirtyPosition[slot] < 0)
        {
            _dirtyPosition[slot] = _dirtyCount;
            _dirtyList[_dirtyCount++] = slot;
        }
    }

    public int DirtyCount => _dirtyCount;

    /// <summary>Calls <paramref name="visit"/> for every changed key once and clears the marks.</summary>
    public int DrainDirty<TVisitor>(ref TVisitor visit)
        where TVisitor : struct, ISlotVisitor
    {
        int emitted = _dirtyCount;
        for (int i = 0; i < _dirtyCount; i++)
        {
            int slot = _dirtyList[i];
            _dirtyPosition[slot] = -1;
            visit.Visit(slot);
        }

        _dirtyCount = 0;
        return emitted;
    }

    /// <summary>Takes a removed key out of the dirty list (swap with the last entry), keeping the list within capacity.</summary>
    private void ClearDirty(int slot)
    {
        int position = _dirtyPosition[slot];
        if (position < 0)
        {
            return;
        }

        int last = _dirtyList[--_dirtyCount];
        _dirtyList[position] = last;
        _dirtyPosition[last] = position;
        _dirtyPosition[slot] = -1;
    }

    private void LinkNewest(int slot)
    {
        _older[slot] = _head;
        _newer[slot] = None;
        if (_head != None)
        {
            _newer[_head] = slot;
        }

        _head = slot;
        if (_tail == None)
        {
            _tail = slot;
        }
    }

    private void Unlink(int slot)
    {
        int older = _older[slot], newer = _newer[slot];
        if (older != None)
        {
            _newer[older] = newer;
        }
        else
        {
            _tail = newer;
        }

        if (newer != None)
        {
            _older[newer] = older;
        }
        else
        {
            _head = older;
        }

        _older[slot] = None;
        _newer[slot] = None;
    }

    private void Grow(int capacity)
    {
        Keys = Resize(Keys, capacity);
        KeyBytes = Resize(KeyBytes, capacity);
        Partition = Resize(Partition, capacity);
        LastOffset = Resize(LastOffset, capacity);
        LastEventTime = Resize(LastEventTime, capacity);
        Steps = Resize(Steps, capacity);
        LastSeen = Resize(LastSeen, capacity);
        LastModelVersion = Resize(LastModelVersion, capacity);
        LastMean = Resize(LastMean, capacity);
        LastSpread = Resize(LastSpread, capacity);
        States = Resize(States, capacity * StateSize);
        Statistics = Resize(Statistics, capacity * StatisticWidth);
        Previous = Resize(Previous, capacity * PreviousWidth);
        Pending = Resize(Pending, capacity * PendingWidth);
        WindowFloats = Resize(WindowFloats, capacity * WindowFloatWidth);
        WindowDoubles = Resize(WindowDoubles, capacity * WindowDoubleWidth);
        Linear = Resize(Linear, capacity * LinearWidth);
        WindowFill = Resize(WindowFill, capacity);
        _dirtyPosition = Resize(_dirtyPosition, capacity);
        _dirtyList = Resize(_dirtyList, capacity);
        _older = Resize(_older, capacity);
        _newer = Resize(_newer, capacity);
        _free = Resize(_free, capacity);
        Capacity = capacity;
    }

    private static T[] Resize<T>(T[] array, int length)
    {
        Array.Resize(ref array, length);
        return array;
    }
}
