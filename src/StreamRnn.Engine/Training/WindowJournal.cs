using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using StreamRnn.Core.Serialization;

namespace StreamRnn.Engine.Training;

/// <summary>
/// Keeps the trainer's windows in flight (queued, held back for validation, waiting for a mini-batch) on local disk,
/// so a restart — even after kill -9 — trains on every window the queue had accepted instead of losing them.
/// </summary>
/// <remarks>
/// <para>Why a local journal and not the changelog: a window is complete only once its key's state has moved on, so
/// it no longer belongs to the key's record; and the windows of one instance are trained by that instance.
/// Consistency with Kafka comes from when it is written: the runtime journals the windows queued since the last
/// checkpoint just before offsets are committed (<see cref="OnlineTrainer.Checkpoint"/>), and the trainer only takes
/// windows that are journaled. After a crash, windows completed after the last commit are completed again by the
/// replayed input (their keys' partial windows are in the changelog), and every older window not yet trained is
/// here. Training is therefore at-least-once: a window journaled between the last checkpoint and a commit that never
/// happened is trained twice, none is lost.</para>
/// <para>Layout, in <c>Directory</c>: segment files <c>windows-{first sequence:D19}.wal</c>, each a 24-byte header
/// (magic "SRWJ", format version 1, state size, input size, steps, then int32 targets per step at offset 20 when
/// Target:Horizons gives more than one, else 0) and fixed-size records
/// (sequence int64, state, inputs, targets and weights as float32 little-endian, CRC-32 of the sequence and floats),
/// and <c>trained-through</c>: the sequence below which every window is trained (8 bytes + CRC-32), replaced
/// atomically. A segment whose every record is below the watermark is deleted; recovery reads the rest, stops a
/// segment at its first torn or corrupt record (an interrupted write), and skips a segment of another shape (the
/// pipeline's model changed) after reporting it.</para>
/// <para>Not thread-safe: <see cref="Append"/> and <see cref="MarkTrained"/> run on the thread that commits
/// (the consumer loop); <see cref="Recover"/> before the trainer starts.</para>
/// </remarks>
public sealed partial class WindowJournal : IDisposable
{
    private const uint Magic = 0x4A575253; // "SRWJ" little-endian
    private const ushort FormatVersion = 1;
    private const int HeaderBytes = 24;
    private const string SegmentPrefix = "windows-";
    private const string SegmentExtension = ".wal";
    private const string WatermarkFile = "trained-through";

    private readonly List<Segment> _segments = [];
    private readonly int _floatsPerWindow;
    private byte[] _buffer = [];
    private int _buffered;
    private long _bufferedFirst = -1;
    private long _bufferedLast = -1;
    private FileStream? _current;
    private long _trainedThrough = -1;

    /// <param name="directory">Created if missing.</param>
    /// <param name="segmentWindows">Records per segment file before a new one is started.</param>
    /// <param name="horizons">Targets per step (Target:Horizons); 1 writes the header byte-identical to before (0 at offset 20).</param>
    public WindowJournal(string directory, int stateSize, int inputSize, int steps, int segmentWindows = 4096, int horizons = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(horizons);
        Horizons = horizons;
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentWindows);
        Directory = directory;
        StateSize = stateSize;
        InputSize = inputSize;
        Steps = steps;
        SegmentWindows = segmentWindows;
        _floatsPerWindow = stateSize + steps * inputSize + steps * horizons + steps;
        RecordBytes = 8 + 4 * _floatsPerWindow + 4;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }
    public int StateSize { get; }
    public int InputSize { get; }
    public int Steps { get; }

    /// <summary>Targets per step; stored at header offset 20 when above 1 (0 there reads as 1).</summary>
    public int Horizons { get; }

    public int SegmentWindows { get; }

    /// <summary>Bytes of one window on disk.</summary>
    public int RecordBytes { get; }

    /// <summary>Segment files held (including the one being written).</summary>
    public int SegmentCount => _segments.Count;

    /// <summary>The watermark last written (or read at recovery): windows with a sequence ≤ it are trained.</summary>
    public long TrainedThrough => _trainedThrough;

    /// <summary>
    /// Reads every journaled window not yet trained, oldest first, into windows rented from <paramref name="pool"/>
    /// and hands each to <paramref name="recovered"/> (which owns it from then on). Call once, before appending.
    /// </summary>
    /// <param name="problem">Told about each segment skipped or cut short (file, reason).</param>
    /// <returns>The windows recovered and the highest sequence seen anywhere (the watermark if none).</returns>
    public (int Recovered, long LastSequence) Recover(TrainingWindowPool pool, Action<TrainingWindow> recovered,
        Action<string, string>? problem = null)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(recovered);
        if (pool.StateSize != StateSize || pool.InputSize != InputSize || pool.Steps != Steps || pool.Horizons != Horizons)
        {
            throw new ArgumentException("The pool's window shape differs from the journal's.", nameof(pool));
        }

        _trainedThrough = ReadWatermark(problem);
        long last = _trainedThrough;
        int count = 0;
        byte[] record = new byte[RecordBytes];
        foreach (var (path, first) in ListSegments())
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            string? header = ReadHeader(stream);
            if (header is not null)
            {
                problem?.Invoke(path, header);
                stream.Dispose();
                File.Delete(path);
                continue;
            }

            long segmentLast = first - 1;
            while (true)
            {
                int read = stream.ReadAtLeast(record, RecordBytes, throwOnEndOfStream: false);
                if (read == 0)
                {
                    break;
                }

                if (read < RecordBytes)
                {
                    problem?.Invoke(path, $"a torn record at byte {stream.Position - read} (an interrupted write); the rest of the file is ignored");
                    break;
                }

                uint stored = BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(RecordBytes - 4));
                if (Crc32.Compute(record.AsSpan(0, RecordBytes - 4)) != stored)
                {
                    problem?.Invoke(path, $"a corrupt record at byte {stream.Position - read} (checksum mismatch); the rest of the file is ignored");
                    break;
                }

                long sequence = BinaryPrimitives.ReadInt64LittleEndian(record);
                segmentLast = Math.Max(segmentLast, sequence);
                last = Math.Max(last, sequence);
                if (sequence <= _trainedThrough)
                {
                    continue;
                }

                var window = pool.Rent();
                Decode(record, window);
                window.Sequence = sequence;
                recovered(window);
                count++;
            }

            _segments.Add(new Segment(path, segmentLast, 0, Closed: true));
        }

        DeleteTrained();
        return (count, last);
    }

    /// <summary>Adds a window to the write buffer (not yet on disk: see <see cref="Write"/>). Sequences must ascend.</summary>
    public void Append(TrainingWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.StateSize != StateSize || window.InputSize != InputSize || window.Steps != Steps || window.Horizons != Horizons)
        {
            throw new ArgumentException("The window's shape differs from the journal's.", nameof(window));
        }

        if (window.Sequence <= _bufferedLast)
        {
            throw new ArgumentException($"Sequence {window.Sequence} does not follow {_bufferedLast}.", nameof(window));
        }

        if (_buffer.Length < _buffered + RecordBytes)
        {
            Array.Resize(ref _buffer, Math.Max(_buffered + RecordBytes, 2 * _buffer.Length));
        }

        Encode(window, _buffer.AsSpan(_buffered, RecordBytes));
        _buffered += RecordBytes;
        if (_bufferedFirst < 0)
        {
            _bufferedFirst = window.Sequence;
        }

        _bufferedLast = window.Sequence;
    }

    /// <summary>
    /// Writes the buffered windows to the current segment (starting a new one when it is full) and hands them to the
    /// operating system, which keeps them through a crash of this process (not through a crash of the machine).
    /// </summary>
    public void Write()
    {
        try
        {
            WriteBuffered();
        }
        finally
        {
            // Written or not, these windows are past: after a failure the journal carries on with the next ones.
            _buffered = 0;
            _bufferedFirst = -1;
        }
    }

    private void WriteBuffered()
    {
        int offset = 0;
        long sequence = _bufferedFirst;
        while (offset < _buffered)
        {
            var segment = CurrentSegment(sequence);
            int room = SegmentWindows - segment.Count;
            int windows = Math.Min(room, (_buffered - offset) / RecordBytes);
            _current!.Write(_buffer, offset, windows * RecordBytes);
            long last = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(offset + (windows - 1) * RecordBytes));
            _segments[^1] = segment with { Last = last, Count = segment.Count + windows };
            offset += windows * RecordBytes;
            if (offset < _buffered)
            {
                sequence = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(offset));
            }

            if (windows == room)
            {
                CloseCurrent();
            }
        }

        _current?.Flush(flushToDisk: false);
    }

    /// <summary>
    /// Records that every window with a sequence ≤ <paramref name="trainedThrough"/> is trained (its effect is in a
    /// stored version or it was used by a rejected candidate) and deletes the segments that hold nothing newer.
    /// </summary>
    public void MarkTrained(long trainedThrough)
    {
        if (trainedThrough <= _trainedThrough)
        {
            return;
        }

        byte[] bytes = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, trainedThrough);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), Crc32.Compute(bytes.AsSpan(0, 8)));
        string path = Path.Combine(Directory, WatermarkFile);
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
        _trainedThrough = trainedThrough;
        DeleteTrained();
    }

    public void Dispose() => CloseCurrent();

    private void Encode(TrainingWindow window, Span<byte> record)
    {
        BinaryPrimitives.WriteInt64LittleEndian(record, window.Sequence);
        var floats = record.Slice(8, 4 * _floatsPerWindow);
        int at = 0;
        at += Put(window.StartState, floats[at..]);
        at += Put(window.Inputs, floats[at..]);
        at += Put(window.Targets, floats[at..]);
        Put(window.TargetWeights, floats[at..]);
        BinaryPrimitives.WriteUInt32LittleEndian(record[^4..], Crc32.Compute(record[..^4]));
    }

    private static int Put(ReadOnlySpan<float> values, Span<byte> destination)
    {
        var bytes = MemoryMarshal.AsBytes(values);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The window journal is written little-endian.");
        }

        bytes.CopyTo(destination);
        return bytes.Length;
    }

    private void Decode(ReadOnlySpan<byte> record, TrainingWindow window)
    {
        var floats = MemoryMarshal.Cast<byte, float>(record.Slice(8, 4 * _floatsPerWindow));
        int at = 0;
        floats.Slice(at, StateSize).CopyTo(window.StartState);
        at += StateSize;
        floats.Slice(at, Steps * InputSize).CopyTo(window.Inputs);
        at += Steps * InputSize;
        floats.Slice(at, Steps * Horizons).CopyTo(window.Targets);
        at += Steps * Horizons;
        floats.Slice(at, Steps).CopyTo(window.TargetWeights);
    }

    private readonly record struct Segment(string Path, long Last, int Count, bool Closed);
}
