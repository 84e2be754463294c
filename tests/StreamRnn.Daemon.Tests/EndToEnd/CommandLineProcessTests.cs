using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>The command line as a user meets it: the built executable, its exit codes and its two output streams.</summary>
[Trait("Category", "EndToEnd")]
public sealed class CommandLineProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        await using var process = DaemonProcess.Start(arguments);
        int code = await process.WaitForExitAsync(Timeout);
        return (code, string.Join('\n', process.Output), string.Join('\n', process.Errors));
    }

    [Fact]
    public async Task Help_lists_the_commands_and_exits_0()
    {
        var (code, output, error) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("Usage:\n  streamrnn [command] [options]", output, StringComparison.Ordinal);
        foreach (string? verb in new[] { "run", "broker", "replay" })
        {
            Assert.Contains($"\n  {verb}", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verb_help_shows_its_options()
    {
        var (code, output, _) = await RunAsync("replay", "--help");

        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  streamrnn replay [options]", output, StringComparison.Ordinal);
        Assert.Contains("--key-column <COLUMN>", output, StringComparison.Ordinal);
        Assert.Contains("--rate <N>", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "streamrnn: unknown command 'frobnicate'. Commands: run, broker, replay. See 'streamrnn --help'.")]
    [InlineData(new[] { "--nope" }, "streamrnn: unknown option '--nope' for 'run'. See 'streamrnn run --help'.")]
    [InlineData(new[] { "broker", "--partitions", "0" }, "streamrnn: --partitions: must be a whole number from 1 to 256.")]
    [InlineData(new[] { "replay", "--csv", "x.csv" }, "streamrnn: 'replay' needs --topic; see 'streamrnn replay --help'.")]
    public async Task Usage_errors_exit_2_with_one_clear_line(string[] arguments, string message)
    {
        var (code, output, error) = await RunAsync(arguments);

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Equal(message, error);
    }
}
