using StreamRnn.CommandLine;
using StreamRnn.Daemon.Commands;

namespace StreamRnn.Daemon.Tests.CommandLine;

/// <summary><c>streamrnn</c>'s command line on System.CommandLine, run in-process with its real commands.</summary>
[Trait("Category", "Unit")]
public sealed class CommandLineTests
{
    private static readonly CommandLineApp App = DaemonCommandLine.Create();

    private static (int ExitCode, string Output, string Error) Invoke(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = DaemonCommandLine.Create().InvokeAsync(arguments, output, error).GetAwaiter().GetResult();
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void No_arguments_means_run()
    {
        var parsed = App.Parse([]);

        Assert.Equal("run", parsed.CommandResult.Command.Name);
        Assert.Empty(parsed.Errors);
        Assert.Empty(ConfigurationOverrides.Of(parsed, DaemonCommandLine.Program));
    }

    [Fact]
    public void Leading_option_means_run_and_configuration_keys_pass_through_in_both_spellings()
    {
        var parsed = App.Parse(["--Kafka:BootstrapServers=a:1", "--Http:Url", "http://127.0.0.1:0", "--environment", "Dev", "--PipelineFiles=x/*.json"]);

        Assert.Equal("run", parsed.CommandResult.Command.Name);
        Assert.Equal("Dev", parsed.GetValue<string>("--environment"));
        Assert.Equal(["--Kafka:BootstrapServers=a:1", "--Http:Url=http://127.0.0.1:0", "--PipelineFiles=x/*.json"],
            ConfigurationOverrides.Of(parsed, DaemonCommandLine.Program));
    }

    [Fact]
    public void Verb_options_are_read_case_insensitively_with_space_or_equals()
    {
        var parsed = App.Parse(["REPLAY", "--csv", "a.csv", "--Topic=t", "--BOOTSTRAP", "h:1", "--rate=2.5", "--limit", "7"]);

        Assert.Equal("replay", parsed.CommandResult.Command.Name);
        Assert.Empty(parsed.Errors);
        Assert.Equal("a.csv", parsed.GetValue<string>("--csv"));
        Assert.Equal("t", parsed.GetValue<string>("--topic"));
        Assert.Equal("h:1", parsed.GetValue<string>("--bootstrap"));
        Assert.Equal(2.5, parsed.GetValue<double?>("--rate"));
        Assert.Equal(7, parsed.GetValue<long?>("--limit"));
        Assert.Null(parsed.GetValue<string>("--key-column"));
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'. Commands: run, broker, replay. See 'streamrnn --help'.")]
    [InlineData(new[] { "help", "frobnicate" }, "unknown command 'frobnicate'. Commands: run, broker, replay. See 'streamrnn --help'.")]
    [InlineData(new[] { "run", "--nope" }, "unknown option '--nope' for 'run'. See 'streamrnn run --help'.")]
    [InlineData(new[] { "broker", "--Kafka:BootstrapServers=x:1" }, "unknown option '--Kafka:BootstrapServers' for 'broker'. See 'streamrnn broker --help'.")]
    [InlineData(new[] { "replay", "--csv" }, "--csv needs a value.")]
    [InlineData(new[] { "replay", "--csv", "--topic", "t" }, "--csv needs a value.")]
    [InlineData(new[] { "run", "--environment", "--Kafka:GroupId=g" }, "--environment needs a value.")]
    [InlineData(new[] { "broker", "stray" }, "unexpected argument for 'broker': options are written --name value or --name=value. See 'streamrnn broker --help'.")]
    [InlineData(new[] { "broker", "--partitions", "1", "--partitions=2" }, "--partitions is given twice.")]
    [InlineData(new[] { "--Kafka:GroupId" }, "--Kafka:GroupId needs a value.")]
    [InlineData(new[] { "--Http:Url", "--environment", "Dev" }, "--Http:Url needs a value.")]
    [InlineData(new[] { "broker", "--partitions", "0" }, "--partitions: must be a whole number from 1 to 256.")]
    [InlineData(new[] { "broker", "--partitions", "many" }, "--partitions: must be a whole number from 1 to 256.")]
    [InlineData(new[] { "replay", "--rate", "-1", "--csv", "a", "--topic", "t", "--bootstrap", "h:1" }, "--rate: must be a number ≥ 0.")]
    [InlineData(new[] { "replay", "--csv", "a.csv" }, "'replay' needs --topic; see 'streamrnn replay --help'.")]
    [InlineData(new[] { "backtest", "--csv", "a.csv" }, "unknown command 'backtest'. Commands: run, broker, replay. See 'streamrnn --help'.")]
    [InlineData(new[] { "replay", "--frobnicate", "1" }, "unknown option '--frobnicate' for 'replay'. See 'streamrnn replay --help'.")]
    public void Mistakes_are_one_line_naming_the_option_and_exit_2(string[] arguments, string message)
    {
        var (code, output, error) = Invoke(arguments);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Empty(output);
        Assert.Equal($"streamrnn: {message}\n", error);
    }

    [Theory]
    [InlineData("broker", "--Kafka:SaslPassword=hunter2")]
    [InlineData("broker", "--topics", "a", "hunter2")]
    [InlineData("run", "--Http:ApiKey=", "hunter2")]
    [InlineData("replay", "--csv", "a.csv", "--topic", "t", "--bootstrap", "h:1", "--limit", "hunter2")]
    public void Errors_never_repeat_a_value_from_the_command_line(params string[] arguments)
    {
        var (code, _, error) = Invoke(arguments);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.DoesNotContain("hunter2", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--help" }, null)]
    [InlineData(new[] { "-h" }, null)]
    [InlineData(new[] { "-?" }, null)]
    [InlineData(new[] { "help" }, null)]
    [InlineData(new[] { "help", "broker" }, "broker")]
    [InlineData(new[] { "replay", "--help" }, "replay")]
    [InlineData(new[] { "Replay", "--HELP" }, "replay")]
    [InlineData(new[] { "--Kafka:GroupId=g", "-h" }, "run")]
    [InlineData(new[] { "broker", "--frobnicate", "--help" }, "broker")]
    public void Help_is_recognised_everywhere(string[] arguments, string? command)
    {
        var (code, output, error) = Invoke(arguments);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Empty(error);
        Assert.Contains(command is null ? "Usage:\n  streamrnn [command] [options]\n" : $"Usage:\n  streamrnn {command} [options]", output, StringComparison.Ordinal);
        Assert.EndsWith("Exit codes: 0 success (also after SIGTERM/Ctrl-C), 1 failure, 2 command-line error, 3 invalid configuration.\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void General_help_lists_every_command()
    {
        var (_, output, _) = Invoke("--help");

        foreach (var command in App.Commands)
        {
            Assert.Contains($"\n  {command.Name} ", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Command_help_lists_every_option_with_its_value_name_then_the_details()
    {
        foreach (var command in App.Commands)
        {
            var (code, output, _) = Invoke(command.Name, "--help");

            Assert.Equal(0, code);
            foreach (var option in command.Options)
            {
                Assert.Contains($"  {option.Name} <{option.HelpName}>", output, StringComparison.Ordinal);
            }

            Assert.Contains(command.Details.ReplaceLineEndings("\n"), output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_help_shows_the_configuration_overrides_in_its_usage()
    {
        var (_, output, _) = Invoke("run", "--help");

        Assert.Contains("Usage:\n  streamrnn run [options] [--Section:Key=value]...\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("additional arguments", output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("br", "broker")]
    [InlineData("replay --key", "--key-column")]
    public void Completions_through_the_suggest_directive_offer_commands_and_options(string line, string expected)
    {
        var (code, output, _) = Invoke($"[suggest:{line.Length}]", line);

        Assert.Equal(0, code);
        Assert.Equal(expected + "\n", output);
    }
}
