using StreamRnn.CommandLine;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tools.Commands;

namespace StreamRnn.Tools.Tests.CommandLine;

/// <summary><c>streamrnn-tools</c>'s command line, in-process with its real commands and as the built executable.</summary>
[Trait("Category", "Unit")]
public sealed class ToolsCommandLineTests
{
    private static (int ExitCode, string Output, string Error) Invoke(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = ToolsCommandLine.Create().InvokeAsync(arguments, output, error).GetAwaiter().GetResult();
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData(new string[0], "a command is needed. See 'streamrnn-tools --help'.")]
    [InlineData(new[] { "run" }, "unknown command 'run'. Commands: backtest, calibrate, train. See 'streamrnn-tools --help'.")]
    [InlineData(new[] { "--pipeline", "p.json" }, "a command is needed. See 'streamrnn-tools --help'.")]
    [InlineData(new[] { "backtest", "--csv", "a.csv", "--time-format", "nonsense" }, "--time-format: must be one of UnixMilliseconds, UnixSeconds, Iso8601.")]
    [InlineData(new[] { "backtest", "--csv", "a.csv" }, "'backtest' needs --pipeline; see 'streamrnn-tools backtest --help'.")]
    [InlineData(new[] { "backtest", "--frobnicate", "1" }, "unknown option '--frobnicate' for 'backtest'. See 'streamrnn-tools backtest --help'.")]
    [InlineData(new[] { "backtest", "--key-replay", "sideways", "--pipeline", "p", "--csv", "c", "--out", "o" },
        "--key-replay: must be together (default: keys side by side in event time) or sequential (one key after another).")]
    [InlineData(new[] { "train", "--learning-rate", "0", "--pipeline", "p", "--csv", "c", "--out", "o" }, "--learning-rate: must be a number > 0.")]
    [InlineData(new[] { "TRAIN", "--Epochs=0", "--pipeline", "p", "--csv", "c", "--out", "o" }, "--epochs: must be a whole number from 1 to 10000.")]
    [InlineData(new[] { "train", "--pipeline", "p", "--csv", "c" }, "'train' needs --out; see 'streamrnn-tools train --help'.")]
    public void Mistakes_are_one_line_naming_the_option_and_exit_2(string[] arguments, string message)
    {
        var (code, output, error) = Invoke(arguments);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Equal($"streamrnn-tools: {message}\n", error);
    }

    [Fact]
    public void A_bad_key_list_is_named_without_repeating_it()
    {
        var (code, _, error) = Invoke("backtest", "--keys", "hunter2,", "--pipeline", "p", "--csv", "c", "--out", "o");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("streamrnn-tools: --keys: must be keys or FIRST..LAST ranges", error, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backtest")]
    [InlineData("calibrate")]
    [InlineData("train")]
    public void Command_help_lists_every_option_then_the_details_and_exit_codes(string name)
    {
        var (code, output, error) = Invoke("help", name);

        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains($"Usage:\n  streamrnn-tools {name} [options]\n", output, StringComparison.Ordinal);
        var command = ToolsCommandLine.Create().Commands.Single(c => c.Name == name);
        foreach (var option in command.Options)
        {
            Assert.Contains($"  {option.Name} <{option.HelpName}>", output, StringComparison.Ordinal);
        }

        Assert.Contains(command.Details.ReplaceLineEndings("\n"), output, StringComparison.Ordinal);
        Assert.EndsWith($"{ToolsCommandLine.ExitCodesHelp}\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ba", "backtest")]
    [InlineData("cal", "calibrate")]
    [InlineData("backtest --time-format ", "Iso8601\nUnixMilliseconds\nUnixSeconds")]
    [InlineData("backtest --key-replay s", "sequential")]
    public void Completions_through_the_suggest_directive_offer_commands_options_and_fixed_values(string line, string expected)
    {
        var (code, output, _) = Invoke($"[suggest:{line.Length}]", line);

        Assert.Equal(0, code);
        Assert.Equal(expected + "\n", output);
    }
}
