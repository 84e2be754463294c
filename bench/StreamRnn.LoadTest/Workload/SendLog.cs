using System.Diagnostics;

namespace StreamRnn.LoadTest.Workload;

/// <summary>
/// When each input record was handed to the producer (<see cref="Stopwatch"/> ticks) and where it landed
/// (partition, offset), so that an output can be traced to its input whether it names the input's "seq" (the
/// passthrough copies the value) or its source partition and offset (the daemon's prediction).
/// </summary>
public sealed class SendLog(int records)
{
    private readonly long[] sentAt = new long[records];
    private readonly Dictionary<long, int> seqByPosition = new(records);
    private readonly Lock gate = new();
    private int failures;

    public int Failures => Volatile.Read(ref failures);

    public void Sent(int seq, long timestamp) => sentAt[seq] = timestamp;

    public long SentAt(int seq) => sentAt[seq];

    /// <summary>Called from the producer's delivery thread.</summary>
    public void Delivered(int partition, long offset, int seq)
    {
        lock (gate)
        {
            seqByPosition[Position(partition, offset)] = seq;
        }
    }

    public void Failed() => Interlocked.Increment(ref failures);

    /// <summary>The record produced at (partition, offset), or -1.</summary>
    public int SeqAt(int partition, long offset)
    {
        lock (gate)
        {
            return seqByPosition.TryGetValue(Position(partition, offset), out int seq) ? seq : -1;
        }
    }

    private static long Position(int partition, long offset) => ((long)partition << 40) | offset;
}
