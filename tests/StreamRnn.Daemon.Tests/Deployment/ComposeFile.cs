using System.Text.Json.Nodes;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>docker/compose.yaml as a YAML loader sees it (anchors and merge keys resolved).</summary>
internal sealed class ComposeFile
{
    public const string RelativePath = "docker/compose.yaml";
    public const string DaemonImage = "streamrnn:local";

    private ComposeFile(JsonObject root)
    {
        Root = root;
        Services = root["services"]!.AsObject();
    }

    public JsonObject Root { get; }

    public JsonObject Services { get; }

    /// <summary>The folder relative paths in the file are resolved against (the file's own).</summary>
    public static string Directory => Path.GetDirectoryName(RepositoryRoot.Combine(RelativePath))!;

    public static ComposeFile Load() => new(YamlFile.Load(RepositoryRoot.Combine(RelativePath)).AsObject());

    public JsonObject Service(string name) =>
        Services[name]?.AsObject() ?? throw new KeyNotFoundException($"{RelativePath} has no service '{name}'");

    /// <summary>The services running the daemon image.</summary>
    public IEnumerable<string> DaemonServices() =>
        Services.Where(s => (string?)s.Value!["image"] == DaemonImage).Select(s => s.Key);

    public IReadOnlyDictionary<string, string> Environment(string service)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Service(service)["environment"])
        {
            case JsonObject map:
                foreach (var (name, value) in map)
                {
                    environment[name] = value!.ToString();
                }

                break;
            case JsonArray list:
                foreach (string? entry in list.Select(e => (string)e!))
                {
                    int equals = entry.IndexOf('=');
                    environment[entry[..equals]] = entry[(equals + 1)..];
                }

                break;
        }

        return environment;
    }

    /// <summary>The port a daemon service listens on inside its container, from its STREAMRNN_Http__Url.</summary>
    public int DaemonContainerPort(string service) => new Uri(Environment(service)["STREAMRNN_Http__Url"]).Port;

    public IReadOnlyList<VolumeMount> Volumes(string service) =>
        (Service(service)["volumes"]?.AsArray() ?? []).Select(v => VolumeMount.Parse((string)v!)).ToList();

    /// <summary>Published ports as (host, container) pairs, from "HOST:CONTAINER" entries.</summary>
    public IReadOnlyList<(int Host, int Container)> Ports(string service) =>
        (Service(service)["ports"]?.AsArray() ?? [])
            .Select(p => ((string)p!).Split(':'))
            .Select(parts => (int.Parse(parts[^2]), int.Parse(parts[^1].Split('/')[0])))
            .ToList();

    /// <summary>The repository path a bind-mount source names.</summary>
    public static string HostPath(VolumeMount mount) => Path.GetFullPath(Path.Combine(Directory, mount.Source));

    /// <summary>
    /// The repository file that a path inside a service's container comes from through one of its bind mounts,
    /// or null when no bind mount covers it.
    /// </summary>
    public string? RepositoryFileFor(string service, string containerPath)
    {
        foreach (var mount in Volumes(service).Where(m => m.IsBind))
        {
            string target = mount.Target.TrimEnd('/');
            if (containerPath == target)
            {
                return HostPath(mount);
            }

            if (containerPath.StartsWith(target + "/", StringComparison.Ordinal))
            {
                return Path.Combine(HostPath(mount), containerPath[(target.Length + 1)..]);
            }
        }

        return null;
    }
}
