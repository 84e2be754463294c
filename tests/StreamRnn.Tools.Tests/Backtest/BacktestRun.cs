using System.Text.Json;
using StreamRnn.Tools.Commands;
using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.Backtest;

/// <summary>One in-process run of <c>streamrnn backtest</c> into a scratch directory, with its outputs.</summary>
internal sealed class BacktestRun : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private BacktestRun()
    {
    }

    public int ExitCode { get; private set; }

    public string Output { get; private set; } = "";

    public string Error { get; private set; } = "";

    public string OutDirectory => _scratch.Combine("out");

    /// <summary>Parsed report.json.</summary>
    public JsonElement Report => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDirectory, "report.json"))).RootElement;

    /// <summary>Runs the command with <paramref name="arguments"/> plus --out (unless <paramref name="addOut"/> is false).</summary>
    public static BacktestRun Start(string[] arguments, bool addOut = true)
    {
        var run = new BacktestRun();
        string[] all = ["backtest", .. arguments, .. addOut ? new[] { "--out", run.OutDirectory } : []];
        using var output = new StringWriter();
        using var error = new StringWriter();
        run.ExitCode = ToolsCommandLine.Create().InvokeAsync(all, output, error).GetAwaiter().GetResult();
        run.Output = output.ToString();
        run.Error = error.ToString();
        return run;
    }

    public void Dispose() => _scratch.Dispose();
}
