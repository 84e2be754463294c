using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using StreamRnn.Core.Serialization;

namespace StreamRnn.Engine.Training;

// Segment files: the current segment, closing, deleting trained ones, headers and the trained-through watermark.
public sealed partial class WindowJournal
{
    private Segment CurrentSegment(long first)
    {
        if (_current is not null)
        {
            return _segments[^1];
        }

        string path = Path.Combine(Directory, SegmentPrefix + first.ToString("D19", CultureInfo.InvariantCulture) + SegmentExtension);
        _current = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        Span<byte> header = stackalloc byte[HeaderBytes];
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], StateSize);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], InputSize);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], Steps);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], Horizons > 1 ? Horizons : 0);
        _current.Write(header);
        var segment = new Segment(path, first - 1, 0, Closed: false);
        _segments.Add(segment);
        return segment;
    }

    private void CloseCurrent()
    {
        if (_current is null)
        {
            return;
        }

        _current.Flush(flushToDisk: false);
        _current.Dispose();
        _current = null;
        _segments[^1] = _segments[^1] with { Closed = true };
    }

    private void DeleteTrained()
    {
        // A segment can go once its last record is trained; the open one is closed first so the next window starts a
        // new file (its name carries its first sequence).
        for (int i = _segments.Count - 1; i >= 0; i--)
        {
            var segment = _segments[i];
            if (segment.Last > _trainedThrough)
            {
                continue;
            }

            if (!segment.Closed)
            {
                CloseCurrent();
            }

            File.Delete(segment.Path);
            _segments.RemoveAt(i);
        }
    }

    private string? ReadHeader(FileStream stream)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            return "a truncated header; the file is deleted";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return "not a window journal (bad magic); the file is deleted";
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FormatVersion)
        {
            return $"format version {version}, expected {FormatVersion}; the file is deleted";
        }

        int state = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int input = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int steps = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int horizons = Math.Max(1, BinaryPrimitives.ReadInt32LittleEndian(header[20..]));
        if (state != StateSize || input != InputSize || steps != Steps || horizons != Horizons)
        {
            return $"windows of another shape (state {state}, inputs {input}, steps {steps}; the pipeline now has " +
                $"{StateSize}, {InputSize}, {Steps}): the model changed, they cannot be trained on; the file is deleted";
        }

        return null;
    }

    private long ReadWatermark(Action<string, string>? problem)
    {
        string path = Path.Combine(Directory, WatermarkFile);
        if (!File.Exists(path))
        {
            return 0;
        }

        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length != 12 || Crc32.Compute(bytes.AsSpan(0, 8)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)))
        {
            // Keeping every journaled window is the safe reading: at worst some are trained twice.
            problem?.Invoke(path, "an unreadable watermark; every journaled window is recovered");
            return 0;
        }

        return BinaryPrimitives.ReadInt64LittleEndian(bytes);
    }

    private List<(string Path, long First)> ListSegments()
    {
        var found = new List<(string, long)>();
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, SegmentPrefix + "*" + SegmentExtension))
        {
            string name = Path.GetFileNameWithoutExtension(path)[SegmentPrefix.Length..];
            if (long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out long first))
            {
                found.Add((path, first));
            }
        }

        found.Sort((a, b) => a.Item2.CompareTo(b.Item2));
        return found;
    }
}
