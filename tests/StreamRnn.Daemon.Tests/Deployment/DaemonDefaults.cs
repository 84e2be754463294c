using System.Text.Json.Nodes;
using StreamRnn.Daemon.Configuration;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>What the daemon listens on and is called when nothing overrides its configuration.</summary>
internal static class DaemonDefaults
{
    /// <summary>The port of the built-in Http:Url default (HttpOptions.DefaultUrl).</summary>
    public static int HttpPort => new Uri(HttpOptions.DefaultUrl).Port;

    /// <summary>The Http:Url of the repository's appsettings.json, or null when it sets none.</summary>
    public static string? AppSettingsHttpUrl()
    {
        var settings = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("appsettings.json")),
            documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return (string?)settings?["Http"]?["Url"];
    }

    /// <summary>The executable's file name: the daemon project's assembly name plus .dll.</summary>
    public static string AssemblyFileName => typeof(HttpOptions).Assembly.GetName().Name + ".dll";
}
