using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// An invalid setting stops the daemon before anything starts, with exit code 3 and a message naming the setting
/// (never its value, which may be a secret), whichever layer it came from.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ConfigurationErrorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("--Kafka:EmbeddedPartitions=9876", "Kafka:EmbeddedPartitions: must be between 1 and 256")]
    [InlineData("--Kafka:BootstrapServer=localhost:9092", "Kafka:BootstrapServer: unknown setting; Kafka has BootstrapServers, ")]
    [InlineData("--Kafka:BootstrapServers=kafka-host-without-port", "Kafka:BootstrapServers: has an entry that is not host:port")]
    [InlineData("--Kafka:ClientConfig:group.id=my-own-group-id", "Kafka:ClientConfig:group.id: is set by the daemon; use Kafka:GroupId instead")]
    [InlineData("--Http:Url=https://127.0.0.1:9464", "Http:Url: has a scheme that is not supported")]
    [InlineData("--Http:Url=daemon-without-scheme", "Http:Url: is not an absolute URL")]
    [InlineData("--Delivery:Mode=Twice-Secret", "Delivery:Mode: cannot be read as ")]
    [InlineData("--Delivery:Mode=57", "Delivery:Mode: must be one of AtLeastOnce, ExactlyOnce")]
    [InlineData("--State:CommitInterval=00:00:00.0012345", "State:CommitInterval: must be between 00:00:00.0100000 and 00:10:00")]
    [InlineData("--State:Directory= ", "State:Directory: is required")]
    [InlineData("--Demo:Speed=0.00314", "Demo:Speed: must be between 0.01 and 100000")]
    [InlineData("--Shutdown:Timeout=07:43:21", "Shutdown:Timeout: must be between 00:00:01 and 00:10:00")]
    [InlineData("--Logging:Format=Xml-Secret", "Logging:Format: cannot be read as ")]
    [InlineData("--Pipelines:0:Name=extra-pipeline", "Pipelines:0:InputTopic: is required")]
    [InlineData("--Pipelines:0:Model:HidenSize=8642", "Pipelines:0:Model:HidenSize: unknown setting; Pipelines:0:Model has Cell, HiddenSize, Layers, Head, Highway, Seed")]
    [InlineData("--PipelineFiles=missing-dir/*.json", "PipelineFiles: matched no file under ")]
    [InlineData("--Kafka:sasl.password=Hunter2-Typo-Secret", "Kafka:sasl.password: unknown setting; Kafka has ")]
    [InlineData("--Http:ApiKey=short-key", "Http:ApiKey: is shorter than 16 characters")]
    [InlineData("--Http:AllowedHosts=bad host name!", "Http:AllowedHosts: has an entry that is not a host name")]
    [InlineData("--ModelTopic:SigningKey=short-signing", "ModelTopic:SigningKey: is shorter than 16 characters")]
    [InlineData("--ModelTopic:Signingkee=Signing-Typo-Secret", "ModelTopic:Signingkee: unknown setting; ModelTopic has SigningKey")]
    [InlineData("--Pipelines:0:Name=..", "Pipelines:0:Name: must be 1 to 100 characters of letters, digits, '.', '_' or '-', and not '.' or '..'")]
    public async Task Bad_setting_on_the_command_line_exits_3_naming_the_setting_never_its_value(string argument, string message)
    {
        // A free port, unless the setting under test is the URL itself (the last value given wins).
        string[] arguments = argument.StartsWith("--Http:Url", StringComparison.Ordinal) ? [argument] : [argument, "--Http:Url=http://127.0.0.1:0"];
        await using var daemon = DaemonProcess.Start(arguments);

        int code = await daemon.WaitForExitAsync(Timeout);

        Assert.True(code == 3, $"exit code {code}\n{daemon.Transcript}");
        Assert.Equal("streamrnn: invalid configuration:", daemon.Errors[0]);
        Assert.Contains(daemon.Errors, line => line.Contains(message, StringComparison.Ordinal));
        Assert.DoesNotContain(daemon.Output, line => line.Contains("Embedded Kafka broker started", StringComparison.Ordinal));

        // A value may be a secret (a password under a misspelt key): no message echoes what was set.
        string value = argument[(argument.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim();
        if (value.Length >= 3)
        {
            Assert.DoesNotContain(value, daemon.Transcript, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Environment_variables_with_the_STREAMRNN_prefix_are_read()
    {
        await using var daemon = DaemonProcess.Start(["--Http:Url=http://127.0.0.1:0"],
            environment: new Dictionary<string, string> { ["STREAMRNN_Demo__Speed"] = "-2" });

        Assert.Equal(3, await daemon.WaitForExitAsync(Timeout));
        Assert.Contains("  Demo:Speed: must be between 0.01 and 100000", daemon.Errors);
    }

    [Fact]
    public async Task Environment_specific_file_is_layered_over_appsettings()
    {
        using var root = new ScratchDirectory();
        string pipelines = Path.Combine(AppContext.BaseDirectory, "config", "pipelines", "*.json");
        root.Write("appsettings.json", $$"""{ "PipelineFiles": "{{pipelines}}", "Http": { "Url": "http://127.0.0.1:0" } }""");
        root.Write("appsettings.Staging.json", """{ "Kafka": { "MaxPollRecords": 0 } }""");

        await using var daemon = DaemonProcess.Start(["--environment", "Staging"], workingDirectory: root.Path);

        Assert.Equal(3, await daemon.WaitForExitAsync(Timeout));
        Assert.Contains("  Kafka:MaxPollRecords: must be between 1 and 1000000", daemon.Errors);
    }

    [Fact]
    public async Task A_secret_in_an_invalid_client_config_is_never_printed()
    {
        await using var daemon = DaemonProcess.Start(
            ["--Kafka:ClientConfig:sasl.password=Hunter2-Secret", "--Kafka:ClientConfig:bootstrap.servers=x:1", "--Http:Url=http://127.0.0.1:0"]);

        Assert.Equal(3, await daemon.WaitForExitAsync(Timeout));
        Assert.Contains("  Kafka:ClientConfig:bootstrap.servers: is set by the daemon; use Kafka:BootstrapServers instead", daemon.Errors);
        Assert.DoesNotContain("Hunter2-Secret", daemon.Transcript, StringComparison.Ordinal);
    }
}
