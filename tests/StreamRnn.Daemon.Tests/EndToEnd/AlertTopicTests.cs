using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamRnn.Core;
using StreamRnn.Daemon.Tests.Deployment;
using StreamRnn.Daemon.Tests.Support;
using StreamRnn.Engine.Alerts;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Records;
using StreamRnn.Engine.Runtime;
using StreamRnn.Engine.Training;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Tests.Support;

namespace StreamRnn.Daemon.Tests.EndToEnd;

/// <summary>
/// Bed-exit alerts end to end: the daemon as a process on a broker this test owns, readings of two beds produced with
/// kcat, and the alert topic read back with kcat. The probabilities are made controllable by starting the daemon with
/// weights built here (a one-unit RNN whose output follows the "score" field), stored in the state directory's model
/// store, where the daemon loads its starting weights from.
/// </summary>
/// <remarks>
/// The weights: h = tanh(0.5·score), p = σ(8·h), so a score of −1 gives p ≈ 0.02 (quiet), 0 gives 0.5 (between the
/// clear and raise thresholds), 0.4 gives p ≈ 0.83 (a warning) and 1 gives p ≈ 0.98 (critical). Expected probabilities
/// are not restated from this formula: they are the predictions of the same engine run in this process.
/// </remarks>
[Trait("Category", "ExternalTool")]
public sealed class AlertTopicTests : IDisposable
{
    private const int Partitions = 4;
    private const long FirstTimestamp = 1_700_000_000_000L; // 2023-11-14T22:13:20Z
    private const long ModelVersion = 7;
    private const double Quiet = -1, Band = 0, High = 0.4, Critical = 1;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly EmbeddedKafkaCluster _cluster = EmbeddedKafkaCluster.Start();
    private readonly ScratchDirectory _scratch = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _pipelineFile = RepositoryRoot.Combine("tests/StreamRnn.Daemon.Tests/EndToEnd/Data/alert-beds.json");
    private readonly PipelineDefinition _definition;
    private readonly ModelWeights _weights;

    public AlertTopicTests()
    {
        _definition = PipelineDefinition.Load(_pipelineFile);
        foreach (string? topic in new[] { _definition.InputTopic, _definition.OutputTopic, _definition.AlertTopic!, _definition.DeadLetterTopic,
                     _definition.ChangelogTopic, _definition.ModelTopic })
        {
            _cluster.CreateTopic(topic, Partitions);
        }

        _weights = ScoreFollowingWeights(_definition.CreateShape());
    }

    [Fact]
    public async Task Alert_records_reach_the_alert_topic_raised_after_MinReadings_cleared_with_hysteresis_after_the_cooldown_and_none_for_the_quiet_bed()
    {
        // bed-1: a run of two broken by a quiet reading; three highs raise at 8 s; readings between the thresholds
        // change nothing; a quiet one clears at 11 s and starts a 10 s cooldown; critical readings from 12 s raise
        // only when it has passed, at 21 s (a run of 10); a quiet reading clears at 22 s.
        double[] bed1 = [Quiet, Quiet, Quiet, High, High, Quiet, High, High, High, Band, Band, Quiet,
            Critical, Critical, Critical, Critical, Critical, Critical, Critical, Critical, Critical, Critical, Quiet];
        double[] bed2 = [.. Enumerable.Range(0, bed1.Length).Select(step => step % 2 == 0 ? Quiet : Band)];
        var records = Interleave(("bed-1", bed1), ("bed-2", bed2));
        SaveWeights("state-a");

        await using var daemon = StartDaemon("a");
        var address = await daemon.WaitForHttpAsync(Timeout);
        await ProduceWithKcatAsync(records);

        var alerts = await ConsumeAlertsAsync(4);
        await WaitForMetricAsync(daemon, address, "streamrnn_records_consumed_total", records.Count);
        Assert.Equal(2, await MetricAsync(address, "streamrnn_alerts_raised_total"));
        Assert.Equal(2, await MetricAsync(address, "streamrnn_alerts_cleared_total"));
        Assert.Equal(1, await MetricAsync(address, "streamrnn_alerts_raised_total", "severity=\"critical\""));
        Assert.Equal(4, (await Kcat.ConsumeAllAsync(_cluster.BootstrapServers, _definition.AlertTopic!)).Count);

        var reference = RunInProcess(records);
        Assert.All(alerts, a => Assert.Equal("bed-1", a.RecordKey));
        AssertAlert(alerts[0], reference, "2023-11-14T22:13:28.000Z", 8, "raised", "warning", "p(exit within 15 s) ≥ 0.7 for 3 readings");
        AssertAlert(alerts[1], reference, "2023-11-14T22:13:31.000Z", 11, "cleared", "warning", "p(exit within 15 s) < 0.4");
        AssertAlert(alerts[2], reference, "2023-11-14T22:13:41.000Z", 21, "raised", "critical", "p(exit within 15 s) ≥ 0.7 for 10 readings");
        AssertAlert(alerts[3], reference, "2023-11-14T22:13:42.000Z", 22, "cleared", "critical", "p(exit within 15 s) < 0.4");
        Assert.InRange(alerts[0].Probability, 0.7, 0.9);
        Assert.InRange(alerts[2].Probability, 0.9, 1);

        // Byte for byte what the same engine and rules write in this process (the backtest's path).
        Assert.Equal(reference.Alerts, alerts.Select(a => (a.RecordKey, a.Json)));
    }

    [Fact]
    public async Task An_alert_open_at_a_restart_is_neither_forgotten_nor_raised_again_the_restarted_daemon_clears_it()
    {
        // bed-1 raises at 5 s and stays between the thresholds until the daemon stops. After the restart the same
        // episode goes on: three more high readings (a fresh rule would raise again at 13 s), then a quiet one at 15 s.
        double[] before = [Quiet, Quiet, Quiet, High, High, High, Band, Band, Band, Band, Band];
        double[] after = [High, High, High, High, Quiet, Quiet];
        double[] quiet = [.. Enumerable.Repeat(Quiet, before.Length + after.Length)];
        var first = Interleave(("bed-1", before), ("bed-2", quiet[..before.Length]));
        var second = Interleave(before.Length, ("bed-1", after), ("bed-2", quiet[before.Length..]));
        SaveWeights("state-r");

        await using var daemon = StartDaemon("r");
        var address = await daemon.WaitForHttpAsync(Timeout);
        await ProduceWithKcatAsync(first);
        var raised = Assert.Single(await ConsumeAlertsAsync(1));
        await WaitForMetricAsync(daemon, address, "streamrnn_records_consumed_total", first.Count);
        daemon.Terminate();
        Assert.Equal(0, await daemon.WaitForExitAsync(Timeout));
        await daemon.DisposeAsync();

        await using var restarted = StartDaemon("r");
        var restartedAddress = await restarted.WaitForHttpAsync(Timeout);
        await ProduceWithKcatAsync(second);
        var alerts = await ConsumeAlertsAsync(2);
        await WaitForMetricAsync(restarted, restartedAddress, "streamrnn_records_consumed_total", second.Count);

        var reference = RunInProcess([.. first, .. second]);
        AssertAlert(raised, reference, "2023-11-14T22:13:25.000Z", 5, "raised", "warning", "p(exit within 15 s) ≥ 0.7 for 3 readings");
        Assert.Equal(raised, alerts[0]);
        AssertAlert(alerts[1], reference, "2023-11-14T22:13:35.000Z", 15, "cleared", "warning", "p(exit within 15 s) < 0.4");
        Assert.Equal(0, await MetricAsync(restartedAddress, "streamrnn_alerts_raised_total"));
        Assert.Equal(1, await MetricAsync(restartedAddress, "streamrnn_alerts_cleared_total"));
        Assert.Equal(2, (await Kcat.ConsumeAllAsync(_cluster.BootstrapServers, _definition.AlertTopic!)).Count);

        // The same as one uninterrupted run.
        Assert.Equal(reference.Alerts, alerts.Select(a => (a.RecordKey, a.Json)));
    }

    private sealed record Alert(string RecordKey, string Json, string Key, string Ts, string Pipeline, string Severity, double Probability,
        string Reason, long ModelVersion, string State);

    private sealed record Reference(List<(string Key, string Json)> Alerts, Dictionary<(string Key, long Step), double> Probabilities);

    private static void AssertAlert(Alert alert, Reference reference, string ts, long step, string state, string severity, string reason)
    {
        Assert.Equal("bed-1", alert.Key);
        Assert.Equal(ts, alert.Ts);
        Assert.Equal("beds", alert.Pipeline);
        Assert.Equal(state, alert.State);
        Assert.Equal(severity, alert.Severity);
        Assert.Equal(reason, alert.Reason);
        Assert.Equal(ModelVersion, alert.ModelVersion);
        Assert.Equal(reference.Probabilities[("bed-1", step)], alert.Probability);
    }

    /// <summary>W_ih = 0.5, W_hh = 0, biases 0, W_out = 8, b_out = 0: p = σ(8·tanh(0.5·score)), version <see cref="ModelVersion"/>.</summary>
    private static ModelWeights ScoreFollowingWeights(ModelShape shape)
    {
        Assert.Equal(new ModelShape(CellKind.Rnn, 1, 1, 1, HeadKind.Binary), shape);
        Assert.Equal(6, shape.ParameterCount);
        float[] parameters = [0.5f, 0f, 0f, 0f, 8f, 0f];
        return ModelWeights.FromParameters(shape, parameters, ModelVersion);
    }

    private void SaveWeights(string stateName) => new ModelStore(_scratch.Combine(stateName), _definition.Name).Save(_weights);

    private DaemonProcess StartDaemon(string instance) => DaemonProcess.Start(
    [
        $"--Kafka:BootstrapServers={_cluster.BootstrapServers}",
        "--Kafka:GroupId=alerts",
        "--Kafka:SessionTimeoutMs=6000",
        $"--PipelineFiles={_pipelineFile}",
        "--Http:Url=http://127.0.0.1:0",
        $"--State:Directory={_scratch.Combine("state-" + instance)}",
        "--State:CommitInterval=00:00:00.200",
        "--State:SnapshotInterval=00:00:01",
    ]);

    private static List<(string Key, string Value)> Interleave(params (string Key, double[] Scores)[] beds) => Interleave(0, beds);

    /// <summary>One reading per bed per second from step <paramref name="firstStep"/>, beds in turn.</summary>
    private static List<(string Key, string Value)> Interleave(int firstStep, params (string Key, double[] Scores)[] beds)
    {
        var records = new List<(string, string)>();
        for (int i = 0; i < beds.Max(b => b.Scores.Length); i++)
        {
            foreach (var (key, scores) in beds.Where(b => i < b.Scores.Length))
            {
                records.Add((key, string.Create(CultureInfo.InvariantCulture,
                    $"{{\"ts\": {FirstTimestamp + (firstStep + i) * 1000L}, \"score\": {scores[i]:R}, \"left\": 0}}")));
            }
        }

        return records;
    }

    private Task ProduceWithKcatAsync(List<(string Key, string Value)> records) =>
        Kcat.ProduceAsync(_cluster.BootstrapServers, _definition.InputTopic, records, timeout: Timeout);

    /// <summary>Waits (bounded) until kcat has read <paramref name="count"/> records of the alert topic from its beginning.</summary>
    private async Task<List<Alert>> ConsumeAlertsAsync(int count)
    {
        var lines = await Kcat.ConsumeAsync(_cluster.BootstrapServers, _definition.AlertTopic!, "%k\t%s\n", count, stopAtEnd: false, Timeout);
        var alerts = lines.Select(ParseAlert).ToList();
        Assert.Equal(count, alerts.Count);

        // One key, one partition: in the order they were raised.
        return [.. alerts.OrderBy(a => a.Ts, StringComparer.Ordinal)];
    }

    private static Alert ParseAlert(string line)
    {
        int tab = line.IndexOf('\t');
        string json = line[(tab + 1)..];
        var root = JsonDocument.Parse(json).RootElement;
        Assert.Equal(["key", "ts", "pipeline", "severity", "probability", "reason", "model_version", "state"],
            root.EnumerateObject().Select(p => p.Name));
        return new Alert(line[..tab], json, root.GetProperty("key").GetString()!, root.GetProperty("ts").GetString()!,
            root.GetProperty("pipeline").GetString()!, root.GetProperty("severity").GetString()!, root.GetProperty("probability").GetDouble(),
            root.GetProperty("reason").GetString()!, root.GetProperty("model_version").GetInt64(), root.GetProperty("state").GetString()!);
    }

    /// <summary>The same records, one at a time and without interruption, through the same engine and alert rules.</summary>
    private Reference RunInProcess(List<(string Key, string Value)> records)
    {
        var runtime = new PipelineRuntime(_definition, _weights, TimeProvider.System, metrics: null);
        using var monitor = AlertMonitor.Create(_definition, metrics: null)!;
        runtime.PredictionObserver = monitor;
        var sink = new CollectingSink();
        long offset = 0;
        foreach (var (key, value) in records)
        {
            runtime.Process([new InputRecord(0, offset++, 0, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value))], sink);
        }

        Assert.Equal(records.Count, sink.Probabilities.Count);
        return new Reference(sink.Alerts, sink.Probabilities);
    }

    private Task<double> MetricAsync(Uri address, string metric, string labelFilter = "") =>
        StateHarness.MetricAsync(_http, address, metric, labelFilter);

    private Task WaitForMetricAsync(DaemonProcess daemon, Uri address, string metric, double minimum) =>
        daemon.WaitUntilAsync(async () => await MetricAsync(address, metric) >= minimum, Timeout, $"{metric} ≥ {minimum}");

    private sealed class CollectingSink : IRecordSink
    {
        public List<(string Key, string Json)> Alerts { get; } = [];

        public Dictionary<(string Key, long Step), double> Probabilities { get; } = [];

        public void Prediction(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source)
        {
            var root = JsonDocument.Parse(json.ToArray()).RootElement;
            long step = (DateTimeOffset.Parse(root.GetProperty("ts").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds()
                - FirstTimestamp) / 1000;
            Probabilities[(Encoding.UTF8.GetString(key), step)] = root.GetProperty("probability").GetDouble();
        }

        public void Alert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> json, in InputRecord source) =>
            Alerts.Add((Encoding.UTF8.GetString(key), Encoding.UTF8.GetString(json)));

        public void DeadLetter(in InputRecord source, DeadLetterReason reason, string detail) =>
            throw new InvalidOperationException($"dead letter {reason}: {detail}");

        public void Changelog(int partition, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _cluster.Dispose();
        _scratch.Dispose();
    }
}
