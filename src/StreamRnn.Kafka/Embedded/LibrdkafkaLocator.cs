using System.Globalization;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace StreamRnn.Kafka.Embedded;

/// <summary>
/// Finds the librdkafka image that Confluent.Kafka has mapped into this process and opens a handle to that
/// very image.
/// </summary>
/// <remarks>
/// The mock cluster and the clients must share one copy of librdkafka: a second copy loaded from another file
/// would be a separate world with its own globals, and nothing guarantees it even loads (Confluent.Kafka's
/// bundled <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian 12 lacks, so Confluent.Kafka silently
/// falls back to <c>centos8-librdkafka.so</c>). Rather than repeating Confluent.Kafka's own probing, we let it
/// load the library (<see cref="Library.Load()"/> is a no-op when a client already did) and read the path it
/// chose from <c>/proc/self/maps</c>. <c>dlopen</c> of a path that is already mapped returns the existing image,
/// and <see cref="Open"/> proves it by checking that an exported function lies inside that mapping.
/// This works on Linux only, which is where the embedded broker is supported.
/// </remarks>
internal static class LibrdkafkaLocator
{
    private const string MapsPath = "/proc/self/maps";

    /// <summary>Loads librdkafka through Confluent.Kafka if needed and returns a handle to the same image.</summary>
    /// <exception cref="PlatformNotSupportedException">Not on Linux.</exception>
    /// <exception cref="InvalidOperationException">The mapped image cannot be identified unambiguously.</exception>
    public static (nint Handle, string Path) Open()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                "The embedded Kafka broker finds Confluent.Kafka's librdkafka through /proc/self/maps and runs on Linux only.");
        }

        Library.Load();
        var mappings = ReadMappings(File.ReadAllLines(MapsPath));
        var paths = mappings.Select(m => m.Path).Distinct(StringComparer.Ordinal).ToList();
        if (paths.Count != 1)
        {
            throw new InvalidOperationException(paths.Count == 0
                ? $"Confluent.Kafka reports librdkafka {Library.VersionString} loaded, but no librdkafka image is mapped in {MapsPath}."
                : $"More than one librdkafka image is mapped ({string.Join(", ", paths)}); the mock cluster would not share state with the clients.");
        }

        string path = paths[0];
        nint handle = NativeLibrary.Load(path);
        ulong probe = (ulong)NativeLibrary.GetExport(handle, "rd_kafka_version");
        if (!mappings.Any(m => probe >= m.Start && probe < m.End))
        {
            NativeLibrary.Free(handle);
            throw new InvalidOperationException(
                $"Loading {path} produced a second copy of librdkafka instead of the one Confluent.Kafka uses.");
        }

        return (handle, path);
    }

    /// <summary>Parses the lines of <c>/proc/self/maps</c> and keeps the regions backed by a librdkafka file.</summary>
    /// <remarks>Line format: <c>start-end perms offset dev inode path</c>; the path may contain spaces.</remarks>
    internal static IReadOnlyList<(ulong Start, ulong End, string Path)> ReadMappings(IEnumerable<string> lines)
    {
        var result = new List<(ulong, ulong, string)>();
        foreach (string line in lines)
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            string path = line[slash..].Trim();
            string name = Path.GetFileName(path);
            if (!name.Contains("librdkafka", StringComparison.Ordinal) || !name.Contains(".so", StringComparison.Ordinal)
                || name.Contains("librdkafkacpp", StringComparison.Ordinal))
            {
                continue;
            }

            string range = line[..line.IndexOf(' ', StringComparison.Ordinal)];
            int dash = range.IndexOf('-', StringComparison.Ordinal);
            ulong start = ulong.Parse(range.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong end = ulong.Parse(range.AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            result.Add((start, end, path));
        }

        return result;
    }
}
