using System.Diagnostics;

namespace StreamRnn.Tests.Support;

/// <summary>
/// Runs Debian's <c>kcat</c> (librdkafka 2.0.2, a separate process) as an independent Kafka client. One copy for every
/// test project (tests/Support, compiled into each by tests/Directory.Build.targets).
/// </summary>
internal static class Kcat
{
    /// <summary>Every record of a topic from the beginning, as "key TAB value" lines, stopping at the end.</summary>
    public static Task<IReadOnlyList<string>> ConsumeAllAsync(string bootstrap, string topic, int? count = null) =>
        ConsumeAsync(bootstrap, topic, "%k\t%s\n", count, stopAtEnd: true);

    /// <summary>
    /// Records of a topic from the beginning, one line each in kcat's <c>-f</c> <paramref name="format"/> (ending in a
    /// newline): <paramref name="count"/> of them at most, stopping at the end of the topic when
    /// <paramref name="stopAtEnd"/>, else waiting (bounded by <paramref name="timeout"/>) until <paramref name="count"/> arrived.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ConsumeAsync(
        string bootstrap, string topic, string format, int? count = null, bool stopAtEnd = true, TimeSpan? timeout = null)
    {
        List<string> arguments = ["-b", bootstrap, "-C", "-t", topic, "-o", "beginning", "-q", "-f", format];
        if (stopAtEnd)
        {
            arguments.Add("-e");
        }

        if (count is not null)
        {
            arguments.AddRange(["-c", count.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        string output = await RunAsync(arguments, timeout: timeout);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Produces (key, value) records, uncompressed, to <paramref name="partition"/> or by key; keys and values hold no tab or newline.</summary>
    public static async Task ProduceAsync(
        string bootstrap, string topic, IEnumerable<(string Key, string Value)> records, int? partition = null, TimeSpan? timeout = null)
    {
        var input = new System.Text.StringBuilder();
        foreach (var (key, value) in records)
        {
            input.Append(key).Append('\t').Append(value).Append('\n');
        }

        List<string> arguments = ["-b", bootstrap, "-P", "-t", topic, "-K", "\t", "-z", "none"];
        if (partition is { } p)
        {
            arguments.AddRange(["-p", p.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        await RunAsync(arguments, input.ToString(), timeout);
    }

    /// <summary>The cluster's metadata as <c>kcat -L</c> prints it.</summary>
    public static Task<string> ListAsync(string bootstrap) => RunAsync(["-b", bootstrap, "-L"]);

    private static readonly Lazy<string?> Location = new(Find);

    /// <summary>Runs kcat with <paramref name="arguments"/>, feeding <paramref name="input"/> on stdin.</summary>
    /// <returns>Its standard output; fails the test on a non-zero exit, naming stderr.</returns>
    public static async Task<string> RunAsync(IEnumerable<string> arguments, string? input = null, TimeSpan? timeout = null)
    {
        string path = Location.Value ?? throw new InvalidOperationException(
            "kcat is not installed (looked for /usr/bin/kcat and on PATH). These tests use it as an independent Kafka "
            + "client: install the Debian package 'kcat' (tests/install-test-tools.sh, which dotnet test runs, installs it as root).");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kcat {string.Join(' ', start.ArgumentList)} did not finish: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kcat {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    private static string? Find()
    {
        if (File.Exists("/usr/bin/kcat"))
        {
            return "/usr/bin/kcat";
        }

        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator);
        return directories.Select(d => Path.Combine(d, "kcat")).FirstOrDefault(File.Exists);
    }
}
