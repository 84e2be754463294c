using System.Buffers.Binary;
using StreamRnn.Engine.Runtime;

namespace StreamRnn.Kafka.Processing;

/// <summary>
/// Local snapshots of one pipeline partition's key states, so a restart does not replay the whole changelog:
/// <c>{directory}/{pipeline}/partition-{n}.snapshot</c> holds the changelog offset it covers and the runtime's own
/// (checksummed) snapshot. Restore = snapshot if valid, then the changelog from that offset on.
/// </summary>
/// <remarks>
/// Files are written to a temporary name, flushed to disk and renamed over the old one, so a crash leaves either the
/// old or the new snapshot, never a torn one. A snapshot whose offset lies beyond the changelog's end belongs to
/// another cluster's history (e.g. a fresh embedded broker) and is ignored.
/// </remarks>
public sealed class PartitionSnapshotStore(string directory)
{
    private const uint Magic = 0x50535253; // "SRSP"
    private const int FormatVersion = 1;
    private const int HeaderBytes = 16;

    public bool Enabled => !string.IsNullOrEmpty(directory);

    public string PathOf(string pipeline, int partition)
        => Path.Combine(directory, pipeline, $"partition-{partition}.snapshot");

    /// <summary>Writes the keys of <paramref name="partition"/> and the changelog offset they correspond to.</summary>
    public void Write(PipelineRuntime runtime, string pipeline, int partition, long changelogOffset)
    {
        if (!Enabled)
        {
            return;
        }

        string path = PathOf(pipeline, partition);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], FormatVersion);
            BinaryPrimitives.WriteInt64LittleEndian(header[8..], changelogOffset);
            file.Write(header);
            runtime.WriteSnapshot(partition, file);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Loads a partition's snapshot into <paramref name="runtime"/> and returns the changelog offset to continue
    /// from, or 0 when there is no usable snapshot (then nothing was loaded). <paramref name="problem"/> says why a
    /// snapshot that exists was not used.
    /// </summary>
    public long TryLoad(PipelineRuntime runtime, string pipeline, int partition, long changelogEnd, out string? problem)
        => TryLoad(runtime, pipeline, partition, changelogEnd, out problem, out _);

    /// <summary>
    /// As <see cref="TryLoad(PipelineRuntime, string, int, long, out string?)"/>; <paramref name="corrupt"/> is true when
    /// the file was unreadable or damaged (not merely another cluster's history): it is then renamed to
    /// <c>*.snapshot.quarantined</c>, kept for inspection and never read again.
    /// </summary>
    public long TryLoad(PipelineRuntime runtime, string pipeline, int partition, long changelogEnd, out string? problem, out bool corrupt)
    {
        problem = null;
        corrupt = false;
        if (!Enabled)
        {
            return 0;
        }

        string path = PathOf(pipeline, partition);
        if (!File.Exists(path))
        {
            return 0;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> header = stackalloc byte[HeaderBytes];
            file.ReadExactly(header);
            int version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            long offset = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
            {
                problem = $"{path}: not a StreamRnn partition snapshot (bad magic)";
                corrupt = true;
            }
            else if (version != FormatVersion)
            {
                problem = $"{path}: unsupported snapshot format version {version}";
                return 0;
            }
            else if (offset > changelogEnd)
            {
                problem = $"{path}: covers changelog offset {offset} but the changelog ends at {changelogEnd} (another cluster's history)";
                return 0;
            }
            else
            {
                runtime.ReadSnapshot(file);
                return offset;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A half-read snapshot may have loaded some keys: forget them, the changelog restores all.
            runtime.DropPartition(partition);
            problem = $"{path}: {e.Message}";
            corrupt = true;
        }

        Quarantine(path);
        return 0;
    }

    private static void Quarantine(string path)
    {
        try
        {
            File.Move(path, path + ".quarantined", overwrite: true);
        }
        catch (IOException)
        {
            // Kept in place: it is reported again at the next restore, and the next snapshot replaces it.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
