using StreamRnn.Tools.Commands;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>One in-process run of <c>streamrnn train</c> with its exit code, standard output and standard error.</summary>
internal sealed record TrainRun(int ExitCode, string Output, string Error)
{
    public static TrainRun Start(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = ToolsCommandLine.Create().InvokeAsync(["train", .. arguments], output, error).GetAwaiter().GetResult();
        return new TrainRun(code, output.ToString(), error.ToString());
    }
}
