using StreamRnn.CommandLine;
using StreamRnn.Daemon.Hosting;
using StreamRnn.Daemon.Tests.Support;

namespace StreamRnn.Daemon.Tests.Configuration;

[Trait("Category", "Unit")]

public sealed class ContentRootLocatorTests
{
    [Fact]
    public void Prefers_explicit_then_current_directory_then_executable_directory()
    {
        using var scratch = new ScratchDirectory();
        string current = scratch.Combine("cwd");
        string executable = scratch.Combine("bin");
        string chosen = scratch.Combine("chosen");
        Directory.CreateDirectory(current);
        Directory.CreateDirectory(executable);
        Directory.CreateDirectory(chosen);

        Assert.Equal(current, ContentRootLocator.Locate(null, current, executable));

        scratch.Write("bin/appsettings.json", "{}");
        Assert.Equal(executable, ContentRootLocator.Locate(null, current, executable));

        scratch.Write("cwd/appsettings.json", "{}");
        Assert.Equal(current, ContentRootLocator.Locate(null, current, executable));

        Assert.Equal(chosen, ContentRootLocator.Locate("../chosen", current, executable));
        var missing = Assert.Throws<CommandLineException>(() => ContentRootLocator.Locate("nowhere", current, executable));
        Assert.Equal("--content-root = 'nowhere': the directory does not exist.", missing.Message);
    }
}
