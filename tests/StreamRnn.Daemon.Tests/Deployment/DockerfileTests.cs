using System.Xml.Linq;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// docker/Dockerfile read instruction by instruction (no Docker engine runs here): a multi-stage build of the daemon
/// alone, running as a non-root user, listening on the daemon's port on every interface, state in a volume.
/// </summary>
[Trait("Category", "Unit")]
public sealed class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load();

    [Fact]
    public void BuildsWithTheSdkAndShipsOnTheAspNetRuntime()
    {
        var stages = _dockerfile.All("FROM").Select(f => _dockerfile.Resolve(f.Arguments)).ToList();

        Assert.Equal(2, stages.Count);
        Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0 AS build", stages[0]);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime", stages[1]);
        var fromBuild = Assert.Single(_dockerfile.All("COPY", _dockerfile.FinalStage), c => c.Arguments.StartsWith("--from=", StringComparison.Ordinal));
        Assert.StartsWith("--from=build ", fromBuild.Arguments);
    }

    [Fact]
    public void PublishesOnlyTheDaemon()
    {
        var publish = Assert.Single(_dockerfile.All("RUN"), r => r.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("src/StreamRnn.Daemon/StreamRnn.Daemon.csproj", publish.Arguments);
        Assert.Contains("-c Release", publish.Arguments);

        var entrypoint = Dockerfile.ExecForm(Assert.Single(_dockerfile.All("ENTRYPOINT", _dockerfile.FinalStage)).Arguments);
        Assert.Equal(new[] { "dotnet", DaemonDefaults.AssemblyFileName }, entrypoint);
        Assert.Equal(new[] { "run" }, Dockerfile.ExecForm(Assert.Single(_dockerfile.All("CMD", _dockerfile.FinalStage)).Arguments));
    }

    [Fact]
    public void RestoreCopiesEveryProjectTheDaemonReferences()
    {
        var copied = _dockerfile.ContextSources().ToHashSet(StringComparer.Ordinal);

        Assert.Contains("Directory.Build.props", copied);
        Assert.Contains("Directory.Packages.props", copied);
        foreach (string project in ProjectClosure("src/StreamRnn.Daemon/StreamRnn.Daemon.csproj"))
        {
            Assert.True(copied.Contains(project), $"the Dockerfile does not copy {project} before restoring");
        }
    }

    [Fact]
    public void TheBuildStageHasTheFilesTheDaemonProjectTakesFromOutsideItsFolder()
    {
        // appsettings.json and config/pipelines/*.json are linked into the daemon's output from the repository root;
        // a build context copy without them would publish a daemon without its default configuration.
        string project = RepositoryRoot.Combine("src/StreamRnn.Daemon/StreamRnn.Daemon.csproj");
        var copied = _dockerfile.All("COPY", 0)
            .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .SelectMany(parts => parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            .ToList();
        var outside = XDocument.Load(project).Descendants()
            .Select(e => e.Attribute("Include")?.Value.Replace('\\', '/'))
            .Where(include => include is not null && include.StartsWith("../", StringComparison.Ordinal))
            .Select(include => Path.GetRelativePath(RepositoryRoot.Path, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, include!))).Replace('\\', '/'))
            .ToList();

        Assert.Contains("appsettings.json", outside);
        foreach (string? file in outside)
        {
            string folder = file.Contains('*') ? file[..(file.LastIndexOf('/') + 1)] : file;
            Assert.True(copied.Any(source => source == folder || (source.EndsWith('/') && folder.StartsWith(source, StringComparison.Ordinal))),
                $"the daemon project includes {file}, which the build stage does not copy");
        }
    }

    [Fact]
    public void EverythingCopiedFromTheContextExistsAndIsNotIgnored()
    {
        var ignored = File.ReadAllLines(RepositoryRoot.Combine("docker/Dockerfile.dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.Contains('*'))
            .ToList();
        foreach (string source in _dockerfile.ContextSources())
        {
            string path = RepositoryRoot.Combine(source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY {source}: not in the repository");
            Assert.DoesNotContain(ignored, pattern => (source.TrimEnd('/') + "/").StartsWith(pattern.TrimEnd('/') + "/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void RunsAsTheNonRootAppUser()
    {
        string user = Assert.Single(_dockerfile.All("USER", _dockerfile.FinalStage)).Arguments;

        Assert.Equal("$APP_UID", user);
        int userIndex = _dockerfile.Instructions.ToList().FindIndex(i => i.Keyword == "USER");
        int lastRun = _dockerfile.Instructions.ToList().FindLastIndex(i => i.Keyword == "RUN" && i.Stage == _dockerfile.FinalStage);
        Assert.True(lastRun < userIndex, "a RUN after USER would need root");
        Assert.Contains(_dockerfile.All("RUN", _dockerfile.FinalStage), r => r.Arguments.Contains("chown -R \"$APP_UID\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ListensOnTheDaemonPortOnAllInterfacesWithStateInAVolume()
    {
        var environment = _dockerfile.Environment(_dockerfile.FinalStage);
        var url = new Uri(environment["STREAMRNN_Http__Url"]);

        Assert.Equal("0.0.0.0", url.Host);
        Assert.Equal(DaemonDefaults.HttpPort, url.Port);
        Assert.Equal(DaemonDefaults.HttpPort.ToString(), Assert.Single(_dockerfile.All("EXPOSE", _dockerfile.FinalStage)).Arguments);

        string state = environment["STREAMRNN_State__Directory"];
        Assert.Equal(new[] { state }, Dockerfile.ExecForm(Assert.Single(_dockerfile.All("VOLUME", _dockerfile.FinalStage)).Arguments));
        var compose = ComposeFile.Load();
        Assert.All(compose.DaemonServices(), s => Assert.Equal(state, compose.Environment(s)["STREAMRNN_State__Directory"]));
    }

    /// <summary>The project and every project it references, transitively, as repository paths.</summary>
    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([project]);
        while (pending.Count > 0)
        {
            string current = pending.Pop();
            if (!seen.Add(current))
            {
                continue;
            }

            string directory = Path.GetDirectoryName(RepositoryRoot.Combine(current))!;
            foreach (var reference in XDocument.Load(RepositoryRoot.Combine(current)).Descendants("ProjectReference"))
            {
                string full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(RepositoryRoot.Path, full).Replace('\\', '/'));
            }
        }

        return seen;
    }
}
