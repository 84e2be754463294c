using StreamRnn.Engine.Features;

namespace StreamRnn.Engine.Runtime;

/// <summary>
/// The plan of one <see cref="PipelineRuntime.Process"/> call: per accepted record (entry) its key's slot, record
/// index, step, event time, target and standardised inputs, and its round r = the number of records of its key
/// accepted before it; then the entries ordered by round, so a round's keys are stepped together in micro-batches.
/// Grown to the largest call seen, then allocation-free.
/// </summary>
internal sealed class MicroBatchPlan(int inputSize, int horizonWidth = 0)
{
    private readonly int _inputSize = inputSize;
    private readonly int _horizonWidth = horizonWidth;
    private int[] _entryRound = [];
    private int[] _roundCursor = [];
    private int[] _roundOfSlot = [];
    private int[] _touched = [];
    private int _touchedCount;

    public int[] EntrySlot { get; private set; } = [];
    public int[] EntryRecord { get; private set; } = [];
    public long[] EntryStep { get; private set; } = [];
    public long[] EntryTime { get; private set; } = [];
    public EncodedTarget[] EntryTarget { get; private set; } = [];
    public float[] EntryInputs { get; private set; } = [];

    /// <summary>With Target:Horizons: per entry, (y_k, μ_k, σ_k) of each horizon (see <see cref="FeatureEncoder"/>); else empty.</summary>
    public double[] EntryHorizons { get; private set; } = [];

    /// <summary>Entries in round order (after <see cref="OrderByRound"/>).</summary>
    public int[] Order { get; private set; } = [];

    /// <summary>Round r's entries are <c>Order[RoundStart[r] .. RoundStart[r + 1])</c>.</summary>
    public int[] RoundStart { get; private set; } = [];

    /// <summary>Rounds of the current call.</summary>
    public int Rounds { get; private set; }

    /// <summary>The standardised inputs of <paramref name="entry"/>.</summary>
    public Span<float> InputsOf(int entry) => EntryInputs.AsSpan(entry * _inputSize, _inputSize);

    /// <summary>The horizon targets of <paramref name="entry"/> (empty without Target:Horizons).</summary>
    public Span<double> HorizonsOf(int entry) => EntryHorizons.AsSpan(entry * _horizonWidth, _horizonWidth);

    public void EnsureEntryCapacity(int records)
    {
        if (EntrySlot.Length >= records)
        {
            return;
        }

        int size = Math.Max(records, EntrySlot.Length * 2);
        EntrySlot = new int[size];
        EntryRecord = new int[size];
        _entryRound = new int[size];
        EntryStep = new long[size];
        EntryTime = new long[size];
        EntryTarget = new EncodedTarget[size];
        EntryInputs = new float[size * _inputSize];
        EntryHorizons = new double[size * _horizonWidth];
        Order = new int[size];
        _touched = new int[size];
    }

    /// <summary>Room for a round count per slot of a store of <paramref name="capacity"/> keys.</summary>
    public void EnsureSlotCapacity(int capacity)
    {
        if (_roundOfSlot.Length < capacity)
        {
            Array.Resize(ref _roundOfSlot, capacity);
        }
    }

    /// <summary>True while admitting records if <paramref name="slot"/>'s key already has a record in this call.</summary>
    public bool InBatch(int slot) => _roundOfSlot[slot] > 0;

    public void BeginAdmission()
    {
        _touchedCount = 0;
        Rounds = 0;
    }

    /// <summary>Records entry <paramref name="entry"/> and gives it the next round of its key.</summary>
    public void Add(int entry, int slot, int record, long step, long eventTime, in EncodedTarget target)
    {
        EntrySlot[entry] = slot;
        EntryRecord[entry] = record;
        EntryStep[entry] = step;
        EntryTime[entry] = eventTime;
        EntryTarget[entry] = target;
        int round = _roundOfSlot[slot]++;
        if (round == 0)
        {
            _touched[_touchedCount++] = slot;
        }

        _entryRound[entry] = round;
        Rounds = Math.Max(Rounds, round + 1);
    }

    public void EndAdmission()
    {
        for (int i = 0; i < _touchedCount; i++)
        {
            _roundOfSlot[_touched[i]] = 0;
        }
    }

    /// <summary>Stable counting sort of the accepted entries by round into <see cref="Order"/>.</summary>
    public void OrderByRound(int accepted)
    {
        int rounds = Rounds;
        if (RoundStart.Length < rounds + 1)
        {
            RoundStart = new int[Math.Max(rounds + 1, RoundStart.Length * 2)];
        }

        int[] roundStart = RoundStart;
        Array.Clear(roundStart, 0, rounds + 1);
        for (int e = 0; e < accepted; e++)
        {
            roundStart[_entryRound[e] + 1]++;
        }

        for (int r = 0; r < rounds; r++)
        {
            roundStart[r + 1] += roundStart[r];
        }

        if (_roundCursor.Length < rounds)
        {
            _roundCursor = new int[roundStart.Length];
        }

        var cursor = _roundCursor.AsSpan(0, rounds);
        roundStart.AsSpan(0, rounds).CopyTo(cursor);
        for (int e = 0; e < accepted; e++)
        {
            Order[cursor[_entryRound[e]]++] = e;
        }
    }
}
