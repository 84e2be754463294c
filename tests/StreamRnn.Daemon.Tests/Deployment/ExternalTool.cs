using System.Diagnostics;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// Runs the real, independent tools that judge the deployment files (promtool, docker-compose, bash, python3)
/// and waits for them with a deadline. A missing tool is a failure that says how to install it, never a skip.
/// </summary>
internal static class ExternalTool
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static ToolResult Run(
        string fileName,
        IReadOnlyList<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? standardInput = null,
        TimeSpan? timeout = null)
    {
        string path = Locate(fileName);
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = workingDirectory ?? RepositoryRoot.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                start.Environment[name] = value;
            }
        }

        string commandLine = fileName + " " + string.Join(' ', arguments);
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start {commandLine}");
        // Both pipes are drained concurrently so a chatty tool cannot block on a full pipe.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{commandLine} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s");
        }

        process.WaitForExit();
        return new ToolResult(commandLine, process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    /// <summary>The full path of a tool on PATH (or the path itself when it has a directory part).</summary>
    public static string Locate(string fileName)
    {
        if (fileName.Contains('/'))
        {
            return fileName;
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"'{fileName}' is not on PATH. The deployment tests drive it as an independent judge; install it with tests/install-test-tools.sh (dotnet test runs it; needs root) " +
            "(Debian packages prometheus, docker-compose, python3-yaml).");
    }
}
