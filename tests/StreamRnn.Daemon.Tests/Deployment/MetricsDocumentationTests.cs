using System.Text.RegularExpressions;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>docs/metrics.md documents every exported metric with the type and labels it really has, and no other.</summary>
[Trait("Category", "Unit")]
public sealed partial class MetricsDocumentationTests
{
    [Fact]
    public void EveryMetricIsDocumentedWithItsTypeAndLabels()
    {
        var rows = MetricRow().Matches(File.ReadAllText(RepositoryRoot.Combine("docs/metrics.md")))
            .Select(m => (Name: m.Groups["name"].Value, Kind: m.Groups["kind"].Value.Trim(), Labels: m.Groups["labels"].Value))
            .ToList();

        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct().Count());
        Assert.Equal(
            MetricCatalog.All.Select(m => m.Name).Order(StringComparer.Ordinal),
            rows.Select(r => r.Name).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            var metric = MetricCatalog.All.Single(m => m.Name == row.Name);
            Assert.True(metric.Kind.ToString().Equals(row.Kind, StringComparison.OrdinalIgnoreCase),
                $"docs/metrics.md gives {row.Name} the type '{row.Kind}', it is a {metric.Kind}");
            var labels = LabelName().Matches(row.Labels).Select(m => m.Groups[1].Value).ToList();
            Assert.True(metric.Labels.SequenceEqual(labels),
                $"docs/metrics.md gives {row.Name} the labels [{string.Join(", ", labels)}], it has [{string.Join(", ", metric.Labels)}]");
        }
    }

    // | `streamrnn_x_total` | counter | `pipeline`, `reason` | meaning |
    [GeneratedRegex(@"^\|\s*`(?<name>streamrnn_[a-z0-9_]+)`\s*\|(?<kind>[^|]*)\|(?<labels>[^|]*)\|", RegexOptions.Multiline)]
    private static partial Regex MetricRow();

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex LabelName();
}
