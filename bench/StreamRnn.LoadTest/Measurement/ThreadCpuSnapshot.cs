using System.Globalization;

namespace StreamRnn.LoadTest.Measurement;

/// <summary>
/// CPU time of every thread of this process at one instant, read from Linux's /proc/self/task/*/schedstat
/// (nanoseconds on a CPU) and comm (the thread's name, at most 15 bytes). The difference of two snapshots says
/// which threads used the CPU in between: the profile this harness can take without EventPipe tools.
/// </summary>
/// <remarks>A thread that ended between the two snapshots is missing from the second and not counted; the
/// harness takes the second snapshot while the contender's clients are still open.</remarks>
public sealed class ThreadCpuSnapshot
{
    private readonly Dictionary<int, (string Name, long Nanoseconds)> _threads;

    private ThreadCpuSnapshot(Dictionary<int, (string, long)> threads) => _threads = threads;

    public static ThreadCpuSnapshot Take()
    {
        var threads = new Dictionary<int, (string, long)>();
        const string root = "/proc/self/task";
        if (!Directory.Exists(root))
        {
            return new ThreadCpuSnapshot(threads);
        }

        foreach (string directory in Directory.EnumerateDirectories(root))
        {
            try
            {
                int id = int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture);
                string name = File.ReadAllText(Path.Combine(directory, "comm")).TrimEnd('\n');
                string schedstat = File.ReadAllText(Path.Combine(directory, "schedstat"));
                long onCpu = long.Parse(schedstat.AsSpan(0, schedstat.IndexOf(' ')), CultureInfo.InvariantCulture);
                threads[id] = (name, onCpu);
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
            catch (UnauthorizedAccessException)
            {
                // Not readable here; the breakdown is then incomplete, never wrong.
            }
        }

        return new ThreadCpuSnapshot(threads);
    }

    /// <summary>CPU seconds per thread group used since <paramref name="earlier"/>, largest first.</summary>
    /// <param name="earlier">The snapshot taken at the start of the interval.</param>
    /// <param name="group">Maps a thread name to its group (e.g. strips broker numbers).</param>
    public IReadOnlyList<(string Group, double Seconds)> Since(ThreadCpuSnapshot earlier, Func<string, string> group)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (id, (name, nanoseconds)) in _threads)
        {
            long before = earlier._threads.TryGetValue(id, out var old) && old.Name == name ? old.Nanoseconds : 0;
            string key = group(name);
            totals[key] = totals.GetValueOrDefault(key) + (nanoseconds - before);
        }

        return totals.Where(t => t.Value > 0).OrderByDescending(t => t.Value).Select(t => (t.Key, t.Value / 1e9)).ToList();
    }
}
