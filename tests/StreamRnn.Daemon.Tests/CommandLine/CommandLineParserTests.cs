using StreamRnn.Daemon.CommandLine;

namespace StreamRnn.Daemon.Tests.CommandLine;

[Trait("Category", "Integration")]

public sealed class CommandLineParserTests
{
    [Fact]
    public void No_arguments_means_run()
    {
        var parsed = CommandLineParser.Parse([]);

        Assert.Equal(CommandVerb.Run, parsed.Command!.Verb);
        Assert.False(parsed.HelpRequested);
        Assert.Empty(parsed.ConfigurationArguments);
    }

    [Fact]
    public void Leading_option_means_run_and_configuration_keys_pass_through_in_both_spellings()
    {
        var parsed = CommandLineParser.Parse(["--Kafka:BootstrapServers=a:1", "--Http:Url", "http://127.0.0.1:0", "--PipelineFiles=x/*.json"]);

        Assert.Equal(CommandVerb.Run, parsed.Command!.Verb);
        Assert.Equal(["--Kafka:BootstrapServers=a:1", "--Http:Url=http://127.0.0.1:0", "--PipelineFiles=x/*.json"], parsed.ConfigurationArguments);
    }

    [Fact]
    public void Verb_options_are_read_case_insensitively_with_space_or_equals()
    {
        var parsed = CommandLineParser.Parse(["REPLAY", "--csv", "a.csv", "--Topic=t", "--bootstrap", "h:1", "--rate=2.5", "--limit", "7"]);

        Assert.Equal(CommandVerb.Replay, parsed.Command!.Verb);
        Assert.Equal("a.csv", parsed.Option("csv"));
        Assert.Equal("t", parsed.Option("topic"));
        Assert.Equal("h:1", parsed.RequiredOption("bootstrap"));
        Assert.Equal(2.5, parsed.NumberOption("rate", 0));
        Assert.Equal(7, parsed.IntegerOption("limit", 0, 0, long.MaxValue));
        Assert.Null(parsed.Option("key-column"));
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    [InlineData(new[] { "run", "--nope" }, "unknown option '--nope' for 'run'")]
    [InlineData(new[] { "broker", "--Kafka:BootstrapServers=x:1" }, "unknown option '--Kafka:BootstrapServers' for 'broker'")]
    [InlineData(new[] { "replay", "--csv" }, "--csv needs a value")]
    [InlineData(new[] { "replay", "--csv", "--topic", "t" }, "--csv needs a value")]
    [InlineData(new[] { "broker", "stray" }, "unexpected argument 'stray' for 'broker'")]
    [InlineData(new[] { "broker", "--partitions", "1", "--partitions=2" }, "--partitions is given twice")]
    [InlineData(new[] { "--Kafka:GroupId" }, "--Kafka:GroupId needs a value")]
    public void Mistakes_are_explained(string[] arguments, string message)
    {
        var exception = Assert.Throws<CommandLineException>(() => CommandLineParser.Parse(arguments));

        Assert.Contains(message, exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "--partitions = '0': must be a whole number from 1 to 256")]
    [InlineData("many", "--partitions = 'many': must be a whole number from 1 to 256")]
    public void Integer_options_name_option_and_value(string value, string message)
    {
        var parsed = CommandLineParser.Parse(["broker", "--partitions", value]);

        var exception = Assert.Throws<CommandLineException>(() => parsed.IntegerOption("partitions", 4, 1, 256));
        Assert.Equal(message + ".", exception.Message);
    }

    [Fact]
    public void Missing_required_option_names_it()
    {
        var parsed = CommandLineParser.Parse(["replay", "--csv", "a.csv"]);

        var exception = Assert.Throws<CommandLineException>(() => parsed.RequiredOption("topic"));
        Assert.Equal("'replay' needs --topic; see 'streamrnn replay --help'.", exception.Message);
    }

    [Fact]
    public void Negative_rate_is_rejected()
    {
        var parsed = CommandLineParser.Parse(["replay", "--rate", "-1"]);

        var exception = Assert.Throws<CommandLineException>(() => parsed.NumberOption("rate", 0));
        Assert.Equal("--rate = '-1': must be a number ≥ 0.", exception.Message);
    }

    [Theory]
    [InlineData(new[] { "--help" }, null)]
    [InlineData(new[] { "-h" }, null)]
    [InlineData(new[] { "help" }, null)]
    [InlineData(new[] { "help", "broker" }, "broker")]
    [InlineData(new[] { "replay", "--help" }, "replay")]
    [InlineData(new[] { "--Kafka:GroupId=g", "-h" }, "run")]
    public void Help_is_recognised_everywhere(string[] arguments, string? verb)
    {
        var parsed = CommandLineParser.Parse(arguments);

        Assert.True(parsed.HelpRequested);
        Assert.Equal(verb, parsed.Command?.Name);
    }

    [Fact]
    public void Backtest_parses_its_options_like_every_verb()
    {
        var parsed = CommandLineParser.Parse(["backtest", "--csv", "data.csv", "--pipeline=p.json", "--OUT", "dir"]);

        Assert.Equal(CommandVerb.Backtest, parsed.Command!.Verb);
        Assert.Equal(("data.csv", "p.json", "dir"), (parsed.Option("csv"), parsed.Option("pipeline"), parsed.Option("out")));
        Assert.Throws<CommandLineException>(() => CommandLineParser.Parse(["backtest", "--whatever"]));
    }

    [Fact]
    public void General_help_lists_every_verb_and_exit_codes()
    {
        var text = UsageText.General();

        foreach (var spec in CommandCatalog.All)
        {
            Assert.Contains($"  {spec.Name}", text, StringComparison.Ordinal);
        }

        Assert.Contains("Exit codes: 0 success", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Verb_help_lists_every_option()
    {
        foreach (var spec in CommandCatalog.All)
        {
            var text = UsageText.For(spec);
            Assert.StartsWith($"Usage: streamrnn {spec.Name}", text, StringComparison.Ordinal);
            foreach (var option in spec.Options)
            {
                Assert.Contains($"--{option.Name} {option.ValueName}", text, StringComparison.Ordinal);
            }
        }
    }
}
