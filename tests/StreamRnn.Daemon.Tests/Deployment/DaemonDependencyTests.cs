using System.Text.Json;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The daemon carries only what runs in production: the charts of backtests (ScottPlot and its Skia natives) live in
/// streamrnn-tools, so they are in neither the daemon's dependency closure nor, therefore, its publish output or image.
/// </summary>
[Trait("Category", "Unit")]
public sealed class DaemonDependencyTests
{
    [Fact]
    public void The_daemon_depends_on_no_chart_library()
    {
        // streamrnn.deps.json, built next to the tests, lists every library `dotnet publish` of the daemon copies.
        string path = Path.Combine(AppContext.BaseDirectory, "streamrnn.deps.json");
        Assert.True(File.Exists(path), $"the daemon's deps.json is not next to the tests: {path}");
        using var deps = JsonDocument.Parse(File.ReadAllText(path));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).ToList();

        Assert.Contains("System.CommandLine", libraries);
        Assert.Contains("StreamRnn.Training", libraries);
        Assert.DoesNotContain(libraries, name => name.StartsWith("ScottPlot", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("SkiaSharp", StringComparison.OrdinalIgnoreCase) || name.StartsWith("HarfBuzzSharp", StringComparison.OrdinalIgnoreCase));
    }
}
