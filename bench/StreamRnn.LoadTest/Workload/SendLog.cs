using System.Diagnostics;

namespace StreamRnn.LoadTest.Workload;

/// <summary>
/// When each input record was handed to the producer (<see cref="Stopwatch"/> ticks) and where it landed
/// (partition, offset), so that an output can be traced to its input whether it names the input's "seq" (the
/// passthrough copies the value) or its source partition and offset (the daemon's prediction).
/// </summary>
public sealed class SendLog(int records)
{
    private readonly long[] _sentAt = new long[records];
    private readonly Dictionary<long, int> _seqByPosition = new(records);
    private readonly Lock _gate = new();
    private int _failures;

    public int Failures => Volatile.Read(ref _failures);

    public void Sent(int seq, long timestamp) => _sentAt[seq] = timestamp;

    public long SentAt(int seq) => _sentAt[seq];

    /// <summary>Called from the producer's delivery thread.</summary>
    public void Delivered(int partition, long offset, int seq)
    {
        lock (_gate)
        {
            _seqByPosition[Position(partition, offset)] = seq;
        }
    }

    public void Failed() => Interlocked.Increment(ref _failures);

    /// <summary>The record produced at (partition, offset), or -1.</summary>
    public int SeqAt(int partition, long offset)
    {
        lock (_gate)
        {
            return _seqByPosition.TryGetValue(Position(partition, offset), out int seq) ? seq : -1;
        }
    }

    private static long Position(int partition, long offset) => ((long)partition << 40) | offset;
}
