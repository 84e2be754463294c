namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>One metric of the fixed catalog: its name, type and label names (in order).</summary>
internal sealed record CatalogMetric(string Name, MetricKind Kind, IReadOnlyList<string> Labels)
{
    /// <summary>The series names a query may use: the name, plus _bucket, _sum and _count for a histogram.</summary>
    public IEnumerable<string> SeriesNames =>
        Kind == MetricKind.Histogram ? [Name + "_bucket", Name + "_sum", Name + "_count"] : [Name];
}
