using System.Diagnostics;
using System.Text;

namespace StreamRnn.Daemon.Tests.Support;

/// <summary>The built <c>streamrnn-tools</c> (<c>dotnet streamrnn-tools.dll …</c>) run as a real process, its two output streams collected line by line.</summary>
internal sealed class ToolsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _outputLines = [];
    private readonly List<string> _errorLines = [];
    private readonly Lock _gate = new();

    private ToolsProcess(Process process) => _process = process;

    /// <summary>Lines written to standard output so far.</summary>
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

    /// <summary>Lines written to standard error so far.</summary>
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

    public static ToolsProcess Start(IEnumerable<string> arguments)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "streamrnn-tools.dll");
        Assert.True(File.Exists(path), $"streamrnn-tools is not built next to the tests: {path}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(path);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var tool = new ToolsProcess(process);
        process.OutputDataReceived += (_, e) => tool.Add(tool._outputLines, e.Data);
        process.ErrorDataReceived += (_, e) => tool.Add(tool._errorLines, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>The exit code, once the process has ended and both streams are read; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"streamrnn-tools did not exit within {timeout}; standard error so far:\n{string.Join('\n', Errors)}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is not null)
        {
            lock (_gate)
            {
                lines.Add(line);
            }
        }
    }
}
