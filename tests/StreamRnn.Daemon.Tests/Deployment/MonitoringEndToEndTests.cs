using System.Text.Json;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The monitoring assets against the real thing: the built daemon (embedded broker, demo feeds) is scraped by a real
/// Prometheus loading config/prometheus's rule files, and every rule and every dashboard query is evaluated on what
/// the daemon actually exports.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed class MonitoringEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PrometheusEvaluatesTheRulesAndDashboardQueriesOnARealDaemon()
    {
        using var directory = new TemporaryDirectory();
        await using var daemon = DaemonProcess.Start(
            ["--Http:Url=http://127.0.0.1:0", "--Demo:Speed=50", $"--State:Directory={Path.Combine(directory.Path, "state")}"],
            workingDirectory: directory.Path);
        var daemonUrl = await daemon.WaitForHttpAsync(Timeout);

        // The shipped rule files, loaded by absolute path; a 1 s scrape and evaluation interval so rates exist
        // within seconds. The job name is the shipped one, which the StreamRnnDown alert selects on.
        string config = Path.Combine(directory.Path, "prometheus.yml");
        File.WriteAllText(config,
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n" +
            $"rule_files:\n  - {RepositoryRoot.Combine(PrometheusFiles.RecordingRules)}\n  - {RepositoryRoot.Combine(PrometheusFiles.AlertingRules)}\n" +
            $"scrape_configs:\n  - job_name: streamrnn\n    static_configs:\n      - targets: ['{daemonUrl.Authority}']\n");
        using var prometheus = PrometheusServer.Start(config, directory.Path);
        await prometheus.WaitUntilReadyAsync(Timeout);

        await prometheus.WaitForSeriesAsync("up{job=\"streamrnn\"} == 1", Timeout);
        await prometheus.WaitForSeriesAsync("streamrnn_ready == 1", Timeout);
        var consumed = await prometheus.WaitForSeriesAsync("pipeline:streamrnn_records_consumed:rate5m > 0", Timeout);
        await prometheus.WaitForSeriesAsync("pipeline:streamrnn_predictions_produced:rate5m > 0", Timeout);
        await prometheus.WaitForSeriesAsync("pipeline:streamrnn_step_latency_seconds:p99_5m > 0", Timeout);
        await prometheus.WaitForSeriesAsync("pipeline:streamrnn_keys:sum > 0", Timeout);
        Assert.Equal(
            new[] { "bed-exit", "machine-temperature", "stocks" },
            consumed.EnumerateArray().Select(s => s.GetProperty("metric").GetProperty("pipeline").GetString()!).Order(StringComparer.Ordinal));

        // Every shipped rule has been evaluated at least once since the series exist, without an error.
        var rules = (await prometheus.RulesAsync()).EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
        Assert.Equal(PrometheusFiles.RecordingRuleNames().Count + PrometheusFiles.Rules(PrometheusFiles.AlertingRules).Count(), rules.Count);
        Assert.All(rules, rule => Assert.True(rule.GetProperty("health").GetString() == "ok",
            $"{rule.GetProperty("name").GetString()}: {rule.GetProperty("health").GetString()} " +
            (rule.TryGetProperty("lastError", out var error) ? error.GetString() : "")));

        // A healthy daemon: none of the alerts that watch its basic health or its state safety is pending or firing.
        var alerts = await prometheus.QueryAsync("ALERTS{alertname=~\"StreamRnnDown|StreamRnnNotReady|StreamRnnNoPredictions|StreamRnnProduceErrors|StreamRnnStateQuarantined|StreamRnnInstanceFenced|StreamRnnRestoreStuck|StreamRnnStaleStateRecords\"}");
        Assert.True(alerts.GetArrayLength() == 0, alerts.ToString());

        // Every dashboard query runs; the ones on throughput, latency, state and readiness return data.
        var empty = new List<string>();
        foreach (var (file, dashboard) in GrafanaFiles.AllDashboards())
        {
            foreach (var (panel, expression) in GrafanaFiles.Expressions(dashboard))
            {
                var result = await prometheus.QueryAsync(GrafanaFiles.Interpolate(expression).Replace("stocks|bed-exit", ".+", StringComparison.Ordinal));
                if (result.GetArrayLength() == 0)
                {
                    empty.Add($"{file} / {panel}");
                }
            }
        }

        foreach (string? panel in new[] { "Ready replicas", "Records consumed", "Predictions produced", "Recurrent step latency", "Keys", "State bytes", "Model version" })
        {
            Assert.DoesNotContain($"streamrnn.json / {panel}", empty);
        }

        Assert.False(daemon.HasExited, daemon.Transcript);
    }
}
