namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>Prometheus metric types, spelled as in the text format's # TYPE lines.</summary>
internal enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}
