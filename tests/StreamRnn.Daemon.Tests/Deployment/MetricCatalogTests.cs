using System.Text;
using System.Text.RegularExpressions;
using Prometheus;
using StreamRnn.Engine.Metrics;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// The catalog the rules, dashboards and docs are checked against is the one the daemon really exports: the
/// metrics class is instantiated on a custom registry and its text exposition parsed.
/// </summary>
[Trait("Category", "ExternalTool")]
public sealed partial class MetricCatalogTests
{
    [Fact]
    public async Task TheMetricsClassExportsExactlyTheCatalogNamesTypesAndLabels()
    {
        string exposition = await ExportEverySeries();

        var types = TypeLine().Matches(exposition).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        Assert.Equal(
            MetricCatalog.All.Select(m => m.Name).Order(StringComparer.Ordinal),
            types.Keys.Order(StringComparer.Ordinal));
        foreach (var metric in MetricCatalog.All)
        {
            Assert.True(metric.Kind.ToString().Equals(types[metric.Name], StringComparison.OrdinalIgnoreCase),
                $"{metric.Name}: the catalog says {metric.Kind}, the daemon exports {types[metric.Name]}");
            string sample = metric.Kind == MetricKind.Histogram ? metric.Name + "_sum" : metric.Name;
            var labels = SampleLabelNames(exposition, sample);
            Assert.True(metric.Labels.SequenceEqual(labels),
                $"{metric.Name}: the catalog has labels [{string.Join(", ", metric.Labels)}], the daemon [{string.Join(", ", labels)}]");
        }
    }

    [Fact]
    public async Task PromtoolFindsNoLintProblemsInTheExposition()
    {
        string exposition = await ExportEverySeries();

        var result = ExternalTool.Run("promtool", ["check", "metrics"], standardInput: exposition);

        Assert.True(result.ExitCode == 0, result.Transcript);
    }

    [Fact]
    public void NoLabelOfTheCatalogCarriesASeriesKey()
    {
        // Invariant 6 of the design: labels name pipelines, topics, partitions and reasons, never a record key,
        // so the number of series is bounded by configuration ("horizon": one of a pipeline's Target:Horizons, at most 64).
        string[] allowed = ["pipeline", "reason", "topic", "partition", "forecaster", "metric", "severity", "interval", "outcome", "horizon"];
        foreach (var metric in MetricCatalog.All)
        {
            Assert.All(metric.Labels, label => Assert.Contains(label, allowed));
        }
    }

    /// <summary>
    /// The exposition of a metrics class in which every family has a series: a pipeline's series are created by
    /// ForPipeline, the rest (lag, produce errors, rejections, alerts) with placeholder label values.
    /// </summary>
    internal static async Task<string> ExportEverySeries()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new StreamRnnMetrics(Metrics.WithCustomRegistry(registry));
        metrics.ForPipeline("stocks");
        foreach (var property in typeof(StreamRnnMetrics).GetProperties())
        {
            switch (property.GetValue(metrics))
            {
                case Counter counter when counter.LabelNames.Length > 0:
                    counter.WithLabels(Placeholders(counter.LabelNames)).Inc();
                    break;
                case Gauge gauge when gauge.LabelNames.Length > 0:
                    gauge.WithLabels(Placeholders(gauge.LabelNames)).Set(1);
                    break;
                case Histogram histogram when histogram.LabelNames.Length > 0:
                    histogram.WithLabels(Placeholders(histogram.LabelNames)).Observe(0.5);
                    break;
            }
        }

        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string[] Placeholders(string[] labelNames) => labelNames.Select(name => name + "-value").ToArray();

    private static List<string> SampleLabelNames(string exposition, string sampleName)
    {
        string line = exposition.Split('\n').First(l => l.StartsWith(sampleName + "{", StringComparison.Ordinal)
                                                     || l.StartsWith(sampleName + " ", StringComparison.Ordinal));
        return LabelName().Matches(line).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"[{,]([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();
}
