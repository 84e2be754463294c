using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The dashboards of config/grafana: every query uses only catalog metrics and parses in Prometheus (promtool),
/// every metric is shown, pipeline selectors follow the template variable, and the layout is well formed.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed partial class GrafanaDashboardTests
{
    private const string DatasourceVariable = "${datasource}";

    [Fact]
    public void ThereIsAtLeastOneDashboard() => Assert.NotEmpty(GrafanaFiles.AllDashboards());

    [Fact]
    public void QueriesSelectOnlyCatalogMetrics()
    {
        foreach (var (file, dashboard) in GrafanaFiles.AllDashboards())
        {
            foreach (var (panel, expression) in GrafanaFiles.Expressions(dashboard))
            {
                var names = PromQlMetricNames.In(expression);
                Assert.True(names.Count > 0, $"{file} / {panel}: `{expression}` selects no metric");
                Assert.All(names, name => Assert.True(MetricCatalog.ForSeries(name) is not null,
                    $"{file} / {panel}: '{name}' in `{expression}` is not a StreamRnn metric"));
            }
        }
    }

    [Fact]
    public void EveryCatalogMetricIsShown()
    {
        var shown = GrafanaFiles.AllDashboards()
            .SelectMany(d => GrafanaFiles.Expressions(d.Dashboard))
            .SelectMany(e => PromQlMetricNames.In(e.Expression))
            .Select(name => MetricCatalog.ForSeries(name)?.Name)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(MetricCatalog.All, metric => Assert.True(shown.Contains(metric.Name), $"no panel shows {metric.Name}"));
    }

    [Fact]
    public void PromtoolParsesEveryQuery()
    {
        // promtool has no "check expression" command; a recording rule per query gets the same parser and type
        // checks (e.g. a range vector where an instant vector belongs is an error).
        var queries = GrafanaFiles.AllDashboards().SelectMany(d => GrafanaFiles.Expressions(d.Dashboard)).ToList();
        var rules = new StringBuilder("groups:\n  - name: dashboards\n    rules:\n");
        for (int i = 0; i < queries.Count; i++)
        {
            string expression = GrafanaFiles.Interpolate(queries[i].Expression);
            Assert.DoesNotContain("$", expression);
            rules.Append($"      - record: dashboard:query_{i}\n        expr: {JsonValue.Create(expression).ToJsonString()}\n");
        }

        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "dashboards.yml");
        File.WriteAllText(file, rules.ToString());

        var result = ExternalTool.Run("promtool", ["check", "rules", file]);

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Contains($"SUCCESS: {queries.Count} rules found", result.StandardOutput);
    }

    [Fact]
    public void PromtoolRejectsABrokenQuery()
    {
        // The control for the test above: the same route reports a malformed expression.
        using var directory = new TemporaryDirectory();
        string file = Path.Combine(directory.Path, "dashboards.yml");
        File.WriteAllText(file, "groups:\n  - name: dashboards\n    rules:\n      - record: dashboard:query_0\n" +
                                "        expr: \"sum by (pipeline) (streamrnn_keys{pipeline=~\\\"x\\\"}[5m])\"\n");

        var result = ExternalTool.Run("promtool", ["check", "rules", file]);

        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void SelectorsOfPipelineMetricsFollowThePipelineVariable()
    {
        foreach (var (file, dashboard) in GrafanaFiles.AllDashboards())
        {
            foreach (var (panel, expression) in GrafanaFiles.Expressions(dashboard))
            {
                foreach (var (metric, matchers) in PromQlMetricNames.Selectors(expression))
                {
                    if (MetricCatalog.ForSeries(metric)!.Labels.Contains("pipeline"))
                    {
                        Assert.True(matchers.Contains("pipeline=~\"$pipeline\"", StringComparison.Ordinal),
                            $"{file} / {panel}: {metric} is not filtered by the pipeline variable in `{expression}`");
                    }
                }
            }
        }
    }

    [Fact]
    public void TemplateVariablesQueryCatalogLabels()
    {
        foreach (var (file, dashboard) in GrafanaFiles.AllDashboards())
        {
            var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => v!.AsObject()).ToList();
            Assert.Contains(variables, v => (string)v["name"]! == "pipeline");
            foreach (var variable in variables.Where(v => (string)v["type"]! == "query"))
            {
                string query = variable["query"] is JsonObject q ? (string)q["query"]! : (string)variable["query"]!;
                var match = LabelValues().Match(query);
                Assert.True(match.Success, $"{file}: variable {variable["name"]} runs `{query}`, not label_values(metric, label)");
                var metric = MetricCatalog.ForSeries(match.Groups["metric"].Value);
                Assert.NotNull(metric);
                Assert.Contains(match.Groups["label"].Value, metric.Labels);
                Assert.Equal(DatasourceVariable, (string)variable["datasource"]!["uid"]!);
            }
        }
    }

    [Fact]
    public void PanelsAreWellFormedAndDoNotOverlap()
    {
        foreach (var (file, dashboard) in GrafanaFiles.AllDashboards())
        {
            Assert.False(string.IsNullOrEmpty((string?)dashboard["uid"]), $"{file}: no uid (provisioned dashboards need a stable one)");
            var panels = GrafanaFiles.Panels(dashboard).ToList();
            var ids = panels.Select(p => (int)p["id"]!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());

            var occupied = new HashSet<(int X, int Y)>();
            foreach (var panel in panels)
            {
                string title = (string)panel["title"]!;
                var grid = panel["gridPos"]!;
                int x = (int)grid["x"]!, y = (int)grid["y"]!, w = (int)grid["w"]!, h = (int)grid["h"]!;
                Assert.True(x >= 0 && w > 0 && x + w <= 24 && h > 0, $"{file} / {title}: gridPos {grid.ToJsonString()}");
                for (int column = x; column < x + w; column++)
                {
                    for (int row = y; row < y + h; row++)
                    {
                        Assert.True(occupied.Add((column, row)), $"{file} / {title} overlaps another panel at ({column}, {row})");
                    }
                }

                if ((string)panel["type"]! == "row")
                {
                    continue;
                }

                Assert.Equal(DatasourceVariable, (string)panel["datasource"]!["uid"]!);
                var targets = panel["targets"]!.AsArray();
                Assert.NotEmpty(targets);
                Assert.Equal(targets.Count, targets.Select(t => (string)t!["refId"]!).Distinct().Count());
                Assert.All(targets, t => Assert.Equal(DatasourceVariable, (string)t!["datasource"]!["uid"]!));
            }
        }
    }

    [Fact]
    public void TheDatasourceVariableDefaultsToTheProvisionedPrometheus()
    {
        var provisioned = YamlFile.Load(RepositoryRoot.Combine(GrafanaFiles.DatasourceProvisioning))["datasources"]!.AsArray()
            .Single(d => (string)d!["type"]! == "prometheus")!;
        var compose = ComposeFile.Load();
        var url = new Uri((string)provisioned["url"]!);
        Assert.True(compose.Services.ContainsKey(url.Host), $"the data source points at {url.Host}, which is not a compose service");
        Assert.Contains(compose.Ports(url.Host), p => p.Container == url.Port);
        Assert.Equal("15s", (string)provisioned["jsonData"]!["timeInterval"]!);
        Assert.Equal("15s", (string)YamlFile.Load(RepositoryRoot.Combine(PrometheusFiles.Config))["global"]!["scrape_interval"]!);

        foreach (var (file, dashboard) in GrafanaFiles.AllDashboards())
        {
            var variable = dashboard["templating"]!["list"]!.AsArray().Single(v => (string)v!["name"]! == "datasource")!;
            Assert.Equal("datasource", (string)variable["type"]!);
            Assert.Equal("prometheus", (string)variable["query"]!);
            Assert.Equal((string)provisioned["uid"]!, (string)variable["current"]!["value"]!);
        }
    }

    [Fact]
    public void TheProviderLoadsTheDashboardsFolderThatComposeMounts()
    {
        var provider = YamlFile.Load(RepositoryRoot.Combine(GrafanaFiles.DashboardProvisioning))["providers"]!.AsArray().Single()!;
        var compose = ComposeFile.Load();

        string? mounted = compose.RepositoryFileFor("grafana", (string)provider["options"]!["path"]!);
        Assert.Equal(RepositoryRoot.Combine(GrafanaFiles.Dashboards), mounted);
        Assert.Equal(RepositoryRoot.Combine(GrafanaFiles.Provisioning), compose.RepositoryFileFor("grafana", "/etc/grafana/provisioning"));
        string? home = compose.RepositoryFileFor("grafana", compose.Environment("grafana")["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]);
        Assert.True(home is not null && File.Exists(home), $"the home dashboard {home} does not exist");
    }

    [GeneratedRegex(@"^label_values\((?<metric>[a-z_:][a-z0-9_:]*),\s*(?<label>[a-z_][a-z0-9_]*)\)$")]
    private static partial Regex LabelValues();
}
