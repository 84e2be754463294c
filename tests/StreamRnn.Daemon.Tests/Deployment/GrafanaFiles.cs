using System.Text.Json.Nodes;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>The Grafana files of config/grafana: provisioning and dashboards.</summary>
internal static class GrafanaFiles
{
    public const string Dashboards = "config/grafana/dashboards";
    public const string Provisioning = "config/grafana/provisioning";
    public const string DatasourceProvisioning = Provisioning + "/datasources/prometheus.yml";
    public const string DashboardProvisioning = Provisioning + "/dashboards/streamrnn.yml";

    public static IEnumerable<(string File, JsonObject Dashboard)> AllDashboards() =>
        Directory.EnumerateFiles(RepositoryRoot.Combine(Dashboards), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(file => (Path.GetFileName(file), JsonNode.Parse(File.ReadAllText(file))!.AsObject()));

    /// <summary>Every panel, rows' nested panels included.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]!.AsArray().Select(p => p!.AsObject()))
        {
            yield return panel;
            foreach (var nested in panel["panels"]?.AsArray() ?? [])
            {
                yield return nested!.AsObject();
            }
        }
    }

    /// <summary>Every query expression of every panel, with the panel's title.</summary>
    public static IEnumerable<(string Panel, string Expression)> Expressions(JsonObject dashboard) =>
        Panels(dashboard).SelectMany(panel => (panel["targets"]?.AsArray() ?? [])
            .Select(target => ((string)panel["title"]!, (string)target!["expr"]!)));

    /// <summary>
    /// An expression as Prometheus will receive it: Grafana's variables replaced by values of the same shape
    /// ($pipeline and $topic are regex matchers, the intervals are durations).
    /// </summary>
    public static string Interpolate(string expression) => expression
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$__interval", "15s", StringComparison.Ordinal)
        .Replace("$__range", "1h", StringComparison.Ordinal)
        .Replace("$window", "10m", StringComparison.Ordinal)
        .Replace("$pipeline", "stocks|bed-exit", StringComparison.Ordinal)
        .Replace("$topic", ".+", StringComparison.Ordinal);
}
