namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The daemon's container healthcheck (the Dockerfile's HEALTHCHECK and the compose file's copy) run for real with
/// bash against a TCP server standing in for the daemon: healthy only when /readyz on the configured port says 200.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class HealthcheckTests
{
    public static TheoryData<string> Sources => new() { "Dockerfile", "compose" };

    [Theory]
    [MemberData(nameof(Sources))]
    public void HealthyWhenReadyzAnswers200OnTheConfiguredPort(string source)
    {
        using var daemon = new StubHttpServer(200, "OK");

        var result = RunCheck(source, $"http://0.0.0.0:{daemon.Port}");

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Equal(new[] { "GET /readyz HTTP/1.0" }, daemon.RequestLines);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void UnhealthyWhenNotReady(string source)
    {
        using var daemon = new StubHttpServer(503, "Service Unavailable");

        var result = RunCheck(source, $"http://0.0.0.0:{daemon.Port}/");

        Assert.True(result.ExitCode != 0, result.Transcript);
        Assert.Single(daemon.RequestLines);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public void UnhealthyWhenNothingListens(string source)
    {
        int port;
        using (var daemon = new StubHttpServer(200, "OK"))
        {
            port = daemon.Port;
        }

        var result = RunCheck(source, $"http://0.0.0.0:{port}");

        Assert.True(result.ExitCode != 0, result.Transcript);
    }

    private static ToolResult RunCheck(string source, string httpUrl)
    {
        var command = source == "Dockerfile" ? DockerfileCheck() : ComposeCheck();
        Assert.Equal("bash", command[0]);
        return ExternalTool.Run("bash", command.Skip(1).ToList(),
            environment: new Dictionary<string, string> { ["STREAMRNN_Http__Url"] = httpUrl },
            timeout: TimeSpan.FromSeconds(20));
    }

    private static IReadOnlyList<string> DockerfileCheck()
    {
        var dockerfile = Dockerfile.Load();
        string healthcheck = Assert.Single(dockerfile.All("HEALTHCHECK", dockerfile.FinalStage)).Arguments;
        int cmd = healthcheck.IndexOf("CMD [", StringComparison.Ordinal);
        Assert.True(cmd >= 0, $"HEALTHCHECK {healthcheck} is not in exec form");
        return Dockerfile.ExecForm(healthcheck[(cmd + 4)..]);
    }

    private static IReadOnlyList<string> ComposeCheck()
    {
        var compose = ComposeFile.Load();
        var checks = compose.DaemonServices()
            .Select(service => compose.Service(service)["healthcheck"]!["test"]!.AsArray().Select(t => (string)t!).ToList())
            .ToList();
        Assert.Single(checks.Select(c => string.Join('\u0001', c)).Distinct());
        Assert.Equal("CMD", checks[0][0]);
        // Compose turns $$ into $ before the container sees the command.
        return checks[0].Skip(1).Select(argument => argument.Replace("$$", "$", StringComparison.Ordinal)).ToList();
    }
}
