using System.Text.Json.Nodes;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>The Prometheus files of config/prometheus, read as a YAML loader sees them.</summary>
internal static class PrometheusFiles
{
    public const string Folder = "config/prometheus";
    public const string Config = Folder + "/prometheus.yml";
    public const string RecordingRules = Folder + "/rules/recording.yml";
    public const string AlertingRules = Folder + "/rules/alerts.yml";
    public const string RecordingTests = Folder + "/tests/recording.test.yml";
    public const string AlertTests = Folder + "/tests/alerts.test.yml";

    public static IEnumerable<JsonObject> Rules(string file) =>
        YamlFile.Load(RepositoryRoot.Combine(file))["groups"]!.AsArray()
            .SelectMany(group => group!["rules"]!.AsArray())
            .Select(rule => rule!.AsObject());

    public static IReadOnlyList<string> RecordingRuleNames() =>
        Rules(RecordingRules).Select(rule => (string)rule["record"]!).ToList();
}
