using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Support;

/// <summary>
/// The built daemon (<c>dotnet streamrnn.dll …</c>) run as a real process: its output collected line by line,
/// waits on conditions with timeouts, stopped with a real SIGTERM.
/// </summary>
internal sealed partial class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _outputLines = [];
    private readonly List<string> _errorLines = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    private DaemonProcess(Process process) => _process = process;

    /// <summary>streamrnn.dll as built next to this test assembly (the project reference copies it here).</summary>
    public static string Executable
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, "streamrnn.dll");
            Assert.True(File.Exists(path), $"the daemon is not built next to the tests: {path}");
            return path;
        }
    }

    public int Id => _process.Id;

    /// <summary>True once the process has exited (or was killed).</summary>
    public bool HasExited => _exited.Task.IsCompleted;

    public static DaemonProcess Start(IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Executable);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's own settings must not leak into the daemon's configuration layers.
        foreach (string? key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("STREAMRNN_", StringComparison.Ordinal) || key.Contains("__", StringComparison.Ordinal)
                || key is "DOTNET_ENVIRONMENT" or "ASPNETCORE_ENVIRONMENT")
            {
                start.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var daemon = new DaemonProcess(process);
        process.OutputDataReceived += (_, e) => daemon.Receive(e.Data, daemon._outputLines);
        process.ErrorDataReceived += (_, e) => daemon.Receive(e.Data, daemon._errorLines);
        process.Exited += (_, _) => daemon._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_gate)
            {
                return [.. _outputLines];
            }
        }
    }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_gate)
            {
                return [.. _errorLines];
            }
        }
    }

    /// <summary>Everything printed so far, standard output then standard error, for assertion messages.</summary>
    public string Transcript => string.Join('\n', Output) + "\n--- stderr ---\n" + string.Join('\n', Errors);

    /// <summary>The first line (stdout or stderr, already printed or still to come) that matches.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            string? line = _outputLines.Concat(_errorLines).FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            _waiters.Add((match, found));
        }

        var finished = await Task.WhenAny(found.Task, _exited.Task, Task.Delay(timeout));
        if (finished == found.Task)
        {
            return await found.Task;
        }

        // The process may have printed the line just before exiting.
        lock (_gate)
        {
            string? line = _outputLines.Concat(_errorLines).FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }
        }

        Assert.Fail($"no line with {what} within {timeout} (exited: {_exited.Task.IsCompleted}).\n{Transcript}");
        return "";
    }

    /// <summary>
    /// Polls <paramref name="condition"/> (Wait.UntilAsync) until it holds: fails with the transcript after
    /// <paramref name="timeout"/>, or at once when this daemon exits first.
    /// </summary>
    public Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? poll = null) =>
        Wait.UntilAsync(condition, timeout, what, () => Transcript, () => HasExited ? "the daemon exited" : null, poll);

    /// <summary>Waits for "HTTP listening on URL" and returns the URL.</summary>
    public async Task<Uri> WaitForHttpAsync(TimeSpan timeout)
    {
        string line = await WaitForLineAsync(l => HttpLine().IsMatch(l), timeout, "the HTTP address");
        return new Uri(HttpLine().Match(line).Groups[1].Value);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)) != _exited.Task)
        {
            Assert.Fail($"the daemon did not exit within {timeout}.\n{Transcript}");
        }

        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a container runtime or systemd does.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0)
        {
            Assert.Fail($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>SIGKILL if still running (no flush, no commit), then releases the process; safe to call twice, so a test
    /// can kill a daemon mid-way and still hold it in an <c>await using</c> that cleans up when an assertion fails.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            _process.Kill(entireProcessTree: true);
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private void Receive(string? line, List<string> lines)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            lines.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    matched.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in matched)
        {
            waiter.TrySetResult(line);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"HTTP listening on (http://\S+)")]
    private static partial Regex HttpLine();
}
