using StreamRnn.Daemon.CommandLine;
using StreamRnn.Daemon.Commands;

namespace StreamRnn.Daemon.Tests.Training;

/// <summary>One in-process run of <c>streamrnn train</c> with its exit code, standard output and standard error.</summary>
internal sealed record TrainRun(int ExitCode, string Output, string Error)
{
    public static TrainRun Start(params string[] arguments)
    {
        var parsed = CommandLineParser.Parse(["train", .. arguments]);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = TrainCommand.Execute(parsed, output, error);
        return new TrainRun(code, output.ToString(), error.ToString());
    }
}
