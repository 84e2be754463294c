using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Tools.Tests.CommandLine;

/// <summary>The built <c>streamrnn-tools</c> as a user meets it.</summary>
[Trait("Category", "EndToEnd")]
public sealed class ToolsProcessTests
{
    [Fact]
    public async Task The_executable_shows_its_commands_and_exits_0()
    {
        await using var tools = ToolsProcess.Start(["--help"]);

        Assert.Equal(0, await tools.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(tools.Errors);
        Assert.Contains("  streamrnn-tools [command] [options]", tools.Output);
        Assert.Contains(tools.Output, line => line.StartsWith("  backtest ", StringComparison.Ordinal));
        Assert.Contains(tools.Output, line => line.StartsWith("  train ", StringComparison.Ordinal));
    }
}
