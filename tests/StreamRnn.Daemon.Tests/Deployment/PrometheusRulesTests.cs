using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// config/prometheus judged by promtool (config, rules, and the rule unit tests that make the alerts real) and
/// checked against the metric catalog and the runbooks in docs/operations.md.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed partial class PrometheusRulesTests
{
    [Fact]
    public void PromtoolAcceptsTheConfigAndTheRuleFilesItLoads()
    {
        var result = ExternalTool.Run("promtool", ["check", "config", RepositoryRoot.Combine(PrometheusFiles.Config)]);

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Contains("SUCCESS: 2 rule files found", result.StandardOutput);
    }

    [Fact]
    public void PromtoolAcceptsTheRules()
    {
        var result = ExternalTool.Run("promtool",
            ["check", "rules", RepositoryRoot.Combine(PrometheusFiles.RecordingRules), RepositoryRoot.Combine(PrometheusFiles.AlertingRules)]);

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Contains($"SUCCESS: {PrometheusFiles.RecordingRuleNames().Count} rules found", result.StandardOutput);
        Assert.Contains($"SUCCESS: {PrometheusFiles.Rules(PrometheusFiles.AlertingRules).Count()} rules found", result.StandardOutput);
    }

    [Fact]
    public void TheRuleUnitTestsPass()
    {
        var result = ExternalTool.Run("promtool",
            ["test", "rules", RepositoryRoot.Combine(PrometheusFiles.RecordingTests), RepositoryRoot.Combine(PrometheusFiles.AlertTests)]);

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Equal(2, Regex.Count(result.StandardOutput, "SUCCESS"));
    }

    [Theory]
    // A threshold loosened, a `for` lengthened, a label dropped: each must break the unit tests.
    [InlineData("expr: pipeline:streamrnn_dead_letters:ratio_rate5m > 0.05", "expr: pipeline:streamrnn_dead_letters:ratio_rate5m > 0.5", "StreamRnnDeadLetterRatioHigh")]
    [InlineData("expr: streamrnn_ready == 0\n        for: 5m", "expr: streamrnn_ready == 0\n        for: 10m", "StreamRnnNotReady")]
    [InlineData("unless on (pipeline)", "and on (pipeline)", "StreamRnnNoPredictions")]
    [InlineData("pipeline:streamrnn_prequential_scored:increase10m >= 20", "pipeline:streamrnn_prequential_scored:increase10m >= 0", "StreamRnnModelWorseThanBaseline")]
    [InlineData("increase(streamrnn_fenced_total[10m]) > 0", "increase(streamrnn_fenced_total[10m]) > 1", "StreamRnnInstanceFenced")]
    [InlineData("(streamrnn_restore_partitions_restoring) > 0\n        for: 10m", "(streamrnn_restore_partitions_restoring) > 0\n        for: 20m", "StreamRnnRestoreStuck")]
    [InlineData("(increase(streamrnn_state_quarantined_total[15m])) > 0", "(increase(streamrnn_state_quarantined_total[15m])) > 1", "StreamRnnStateQuarantined")]
    public void TheRuleUnitTestsCatchABrokenAlert(string original, string broken, string alert)
    {
        using var copy = new TemporaryDirectory();
        copy.CopyFrom(RepositoryRoot.Combine(PrometheusFiles.Folder));
        string alerts = Path.Combine(copy.Path, "rules", "alerts.yml");
        string text = File.ReadAllText(alerts);
        Assert.Contains(original, text);
        File.WriteAllText(alerts, text.Replace(original, broken, StringComparison.Ordinal));

        var result = ExternalTool.Run("promtool", ["test", "rules", Path.Combine(copy.Path, "tests", "alerts.test.yml")]);

        Assert.True(result.ExitCode != 0, result.Transcript);
        Assert.Contains($"alertname: {alert}", result.StandardError + result.StandardOutput);
    }

    [Fact]
    public void EveryAlertIsTestedFiringAndQuiet()
    {
        var tests = YamlFile.Load(RepositoryRoot.Combine(PrometheusFiles.AlertTests))["tests"]!.AsArray()
            .SelectMany(test => test!["alert_rule_test"]?.AsArray() ?? [])
            .Select(check => (Alert: (string)check!["alertname"]!, Fires: check["exp_alerts"]!.AsArray().Count > 0))
            .ToList();

        foreach (string? alert in PrometheusFiles.Rules(PrometheusFiles.AlertingRules).Select(rule => (string)rule["alert"]!))
        {
            Assert.True(tests.Contains((alert, true)), $"{alert} is never shown firing in {PrometheusFiles.AlertTests}");
            Assert.True(tests.Contains((alert, false)), $"{alert} is never shown quiet in {PrometheusFiles.AlertTests}");
        }
    }

    [Fact]
    public void EveryRecordingRuleHasAnExpectedValue()
    {
        var tested = YamlFile.Load(RepositoryRoot.Combine(PrometheusFiles.RecordingTests))["tests"]!.AsArray()
            .SelectMany(test => test!["promql_expr_test"]?.AsArray() ?? [])
            .Where(check => check!["exp_samples"]!.AsArray().Count > 0)
            .Select(check => (string)check!["expr"]!)
            .ToHashSet(StringComparer.Ordinal);

        Assert.All(PrometheusFiles.RecordingRuleNames(), name => Assert.Contains(name, tested));
    }

    [Fact]
    public void RulesSelectOnlyCatalogMetricsAndRecordedSeries()
    {
        var recorded = PrometheusFiles.RecordingRuleNames().ToHashSet(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (string? file in new[] { PrometheusFiles.RecordingRules, PrometheusFiles.AlertingRules })
        {
            foreach (var rule in PrometheusFiles.Rules(file))
            {
                string expression = (string)rule["expr"]!;
                foreach (string name in PromQlMetricNames.In(expression))
                {
                    // `up` is the one series Prometheus writes itself: it is how a daemon that cannot be scraped shows.
                    bool known = MetricCatalog.ForSeries(name) is not null || recorded.Contains(name) || name == "up";
                    Assert.True(known, $"{file}: '{name}' in `{expression}` is neither a StreamRnn metric nor a recording rule");
                    used.Add(name);
                }
            }
        }

        Assert.Contains("up", used);
        Assert.Contains("streamrnn_ready", used);
    }

    [Fact]
    public void EveryAlertHasASeverityAndARunbookInTheOperationsGuide()
    {
        var anchors = MarkdownAnchors.Of(RepositoryRoot.Combine("docs/operations.md"));
        foreach (var rule in PrometheusFiles.Rules(PrometheusFiles.AlertingRules))
        {
            string alert = (string)rule["alert"]!;
            string? severity = (string?)rule["labels"]?["severity"];
            Assert.True(severity is "critical" or "warning", $"{alert}: severity '{severity}'");
            foreach (string? key in new[] { "summary", "description", "runbook" })
            {
                Assert.False(string.IsNullOrWhiteSpace((string?)rule["annotations"]?[key]), $"{alert}: no {key} annotation");
            }

            string runbook = (string)rule["annotations"]!["runbook"]!;
            Assert.StartsWith("docs/operations.md#", runbook);
            string anchor = runbook["docs/operations.md#".Length..];
            Assert.True(anchors.Contains(anchor), $"{alert}: docs/operations.md has no heading with the anchor #{anchor}");
        }
    }

    [Fact]
    public void TheScrapeTargetsAreTheComposeReplicasOnTheDaemonPort()
    {
        var config = YamlFile.Load(RepositoryRoot.Combine(PrometheusFiles.Config));
        var job = config["scrape_configs"]!.AsArray().Single(j => (string)j!["job_name"]! == "streamrnn")!;
        Assert.Equal("/metrics", (string?)job["metrics_path"] ?? "/metrics");
        var targets = job["static_configs"]!.AsArray().SelectMany(c => c!["targets"]!.AsArray()).Select(t => (string)t!).ToList();

        var compose = ComposeFile.Load();
        var daemons = compose.DaemonServices().ToList();
        Assert.Equal(2, daemons.Count);
        Assert.Equal(
            daemons.Select(service => $"{service}:{compose.DaemonContainerPort(service)}").Order(StringComparer.Ordinal),
            targets.Order(StringComparer.Ordinal));
        Assert.All(daemons, service => Assert.Equal(DaemonDefaults.HttpPort, compose.DaemonContainerPort(service)));
    }

    [Fact]
    public void TheRuleFilesAreLoadedByTheConfig()
    {
        var config = YamlFile.Load(RepositoryRoot.Combine(PrometheusFiles.Config));
        var ruleFiles = config["rule_files"]!.AsArray().Select(f => PrometheusFiles.Folder + "/" + (string)f!).ToList();

        Assert.Equal(new[] { PrometheusFiles.RecordingRules, PrometheusFiles.AlertingRules }, ruleFiles);
        foreach (string? test in new[] { PrometheusFiles.RecordingTests, PrometheusFiles.AlertTests })
        {
            var loaded = YamlFile.Load(RepositoryRoot.Combine(test))["rule_files"]!.AsArray()
                .Select(f => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(RepositoryRoot.Combine(test))!, (string)f!)));
            Assert.All(loaded, path => Assert.True(File.Exists(path), $"{test} loads {path}, which does not exist"));
        }
    }
}
