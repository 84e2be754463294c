using StreamRnn.Engine.Records;

namespace StreamRnn.RestoreBench;

/// <summary>
/// A sink that keeps the changelog records a runtime writes (in order, in large shared chunks rather than one array
/// per record, so holding a million of them costs their bytes and little more) and discards everything else.
/// </summary>
internal sealed class CapturedChangelog : IRecordSink
{
    private const int ChunkBytes = 64 << 20;
    private readonly List<byte[]> _chunks = [];
    private readonly List<Entry> _entries = [];
    private int _used = ChunkBytes;

    public int Count => _entries.Count;

    public long KeyBytes { get; private set; }

    public long ValueBytes { get; private set; }

    public int Predictions { get; private set; }

    public int DeadLetters { get; private set; }

    public int PartitionOf(int index) => _entries[index].Partition;

    public ReadOnlySpan<byte> KeyOf(int index)
    {
        var e = _entries[index];
        return _chunks[e.Chunk].AsSpan(e.Start, e.KeyLength);
    }

    public ReadOnlySpan<byte> ValueOf(int index)
    {
        var e = _entries[index];
        return _chunks[e.Chunk].AsSpan(e.Start + e.KeyLength, e.ValueLength);
    }

    public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        int length = key.Length + value.Length;
        if (ChunkBytes - _used < length)
        {
            _chunks.Add(new byte[Math.Max(ChunkBytes, length)]);
            _used = 0;
        }

        byte[] chunk = _chunks[^1];
        key.CopyTo(chunk.AsSpan(_used));
        value.CopyTo(chunk.AsSpan(_used + key.Length));
        _entries.Add(new Entry(partition, _chunks.Count - 1, _used, key.Length, value.Length));
        _used += length;
        KeyBytes += key.Length;
        ValueBytes += value.Length;
    }

    public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) => Predictions++;

    public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
    {
    }

    public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail)
    {
        DeadLetters++;
        if (DeadLetters == 1)
        {
            throw new InvalidOperationException($"The bench's records must all be valid; the first was dead-lettered: {reason} {detail}");
        }
    }

    private readonly record struct Entry(int Partition, int Chunk, int Start, int KeyLength, int ValueLength);
}
