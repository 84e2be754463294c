namespace StreamRnn.Kafka.Tests.Support;

/// <summary>The threads of this process as the kernel lists them (managed and native alike).</summary>
internal static class NativeThreads
{
    /// <summary>Names (<c>comm</c>) of all threads of this process.</summary>
    public static IReadOnlyList<string> Names() =>
        [.. Directory.EnumerateDirectories("/proc/self/task").Select(ReadName).OfType<string>()];

    /// <summary>Threads librdkafka created (it names them <c>rdk:…</c>).</summary>
    public static int CountLibrdkafka() => Names().Count(n => n.StartsWith("rdk:", StringComparison.Ordinal));

    private static string? ReadName(string taskDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(taskDirectory, "comm")).TrimEnd('\n');
        }
        catch (IOException)
        {
            return null; // The thread ended between listing and reading.
        }
    }
}
