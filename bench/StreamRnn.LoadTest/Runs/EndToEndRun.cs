using System.Diagnostics;
using StreamRnn.Engine.Configuration;
using StreamRnn.Kafka.Embedded;
using StreamRnn.Kafka.Processing;
using StreamRnn.LoadTest.Configuration;
using StreamRnn.LoadTest.Contenders;
using StreamRnn.LoadTest.Measurement;
using StreamRnn.LoadTest.Workload;

namespace StreamRnn.LoadTest.Runs;

/// <summary>
/// One measured run of one contender on a FRESH embedded cluster (new topics, empty group, nothing left over from
/// the previous run), so both contenders always meet the same broker state.
/// </summary>
public sealed class EndToEndRun(LoadTestSettings settings, PipelineDefinition definition)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>Pre-produces <paramref name="workload"/>, then lets the contender drain it; returns once every output is acknowledged.</summary>
    public async Task<ThroughputResult> ThroughputAsync(ContenderKind kind, LoadWorkload workload, string label)
    {
        using var cluster = StartCluster();
        var log = new SendLog(workload.Count);
        InputProducer.ProduceAll(cluster.BootstrapServers, definition.InputTopic, workload, log);
        ThrowIfFailed(log, workload.Count);

        var options = Options(cluster);
        await using var contender = Create(kind, options);
        JitQuiescence.Wait(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var threadsBefore = ThreadCpuSnapshot.Take();
        long started = Stopwatch.GetTimestamp();
        contender.Start();
        await WaitUntilAsync(contender, () => contender.Processed >= workload.Count && contender.InFlight == 0, label);
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var threads = ThreadCpuSnapshot.Take().Since(threadsBefore, name => Group(name, contender));
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        await contender.StopAsync();

        var scan = OutputScan.Read(cluster.BootstrapServers, definition.OutputTopic, settings.OutputPartitions, log, workload.Count,
            TimeSpan.FromMinutes(2));
        return new ThroughputResult(label, workload.Count, scan, wall, cpu, threads);
    }

    /// <summary>Starts the contender, then offers <paramref name="workload"/> at the configured rate while a probe reads the outputs.</summary>
    public async Task<LatencyResult> LatencyAsync(ContenderKind kind, LoadWorkload workload, string label)
    {
        using var cluster = StartCluster();
        var options = Options(cluster);
        await using var contender = Create(kind, options);
        contender.Start();
        await WaitUntilAsync(contender, () => contender.Ready, label);
        JitQuiescence.Wait(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));

        using var probe = new LatencyProbe(cluster.BootstrapServers, definition.OutputTopic, settings.OutputPartitions, workload.Count);
        probe.Start();
        var log = new SendLog(workload.Count);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var threadsBefore = ThreadCpuSnapshot.Take();
        long started = Stopwatch.GetTimestamp();
        var (sent, sending) = InputProducer.ProducePaced(cluster.BootstrapServers, definition.InputTopic, workload, log,
            settings.LatencyRate, CancellationToken.None);
        ThrowIfFailed(log, sent);
        await WaitUntilAsync(contender, () => probe.Count >= sent, label);
        double wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var threads = ThreadCpuSnapshot.Take().Since(threadsBefore, name => Group(name, contender));
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var outputs = probe.Stop();
        await contender.StopAsync();

        // The first second is a start-up transient (first fetches, metadata, the probe's own start) and not counted.
        int settled = Math.Min(sent, (int)Math.Round(settings.LatencyRate * LoadTestSettings.LatencySettleSeconds));
        var endToEnd = new List<double>(outputs.Count);
        var field = new List<double>();
        int untraced = 0, traced = 0;
        bool[] seen = new bool[sent];
        foreach (var (value, readAt) in outputs)
        {
            int seq = OutputTrace.Trace(value, log, out double latencyField);
            if (seq < 0 || seq >= sent)
            {
                untraced++;
                continue;
            }

            if (!seen[seq])
            {
                seen[seq] = true;
                traced++;
            }

            if (seq < settled)
            {
                continue;
            }

            endToEnd.Add(Stopwatch.GetElapsedTime(log.SentAt(seq), readAt).TotalMilliseconds);
            if (!double.IsNaN(latencyField))
            {
                field.Add(latencyField);
            }
        }

        return new LatencyResult(label, settings.LatencyRate, sent / sending.TotalSeconds, sent, traced, LatencySummary.Of(endToEnd),
            LatencySummary.Of(field), untraced, cpu, wall, threads);
    }

    private EmbeddedKafkaCluster StartCluster()
    {
        var cluster = EmbeddedKafkaCluster.Start();
        cluster.SetInitialRebalanceDelay(TimeSpan.Zero);
        cluster.CreateTopic(definition.InputTopic, settings.Partitions);
        cluster.CreateTopic(definition.OutputTopic, settings.OutputPartitions);
        cluster.CreateTopic(definition.ChangelogTopic, settings.Partitions);
        cluster.CreateTopic(definition.DeadLetterTopic, 1);
        return cluster;
    }

    private static StreamProcessorOptions Options(EmbeddedKafkaCluster cluster) => new()
    {
        BootstrapServers = cluster.BootstrapServers,
        GroupId = "load",

        // No local snapshots: they are written every 30 s and at shutdown, both outside a measured interval.
        StateDirectory = "",
    };

    private IContender Create(ContenderKind kind, StreamProcessorOptions options) => kind switch
    {
        ContenderKind.Daemon => new DaemonContender(options, definition),
        _ => new PassthroughContender(options, definition.InputTopic, definition.OutputTopic),
    };

    private static async Task WaitUntilAsync(IContender contender, Func<bool> condition, string label)
    {
        long started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (contender.Failure is { } failure)
            {
                throw new InvalidOperationException($"{label}: {failure}");
            }

            if (Stopwatch.GetElapsedTime(started) > RunTimeout)
            {
                throw new TimeoutException($"{label}: no completion within {RunTimeout.TotalMinutes} min " +
                                           $"({contender.Processed} processed, {contender.InFlight} in flight).");
            }

            await Task.Delay(PollInterval);
        }
    }

    private static void ThrowIfFailed(SendLog log, int sent)
    {
        if (log.Failures > 0)
        {
            throw new InvalidOperationException($"{log.Failures} of {sent} input records failed to produce.");
        }
    }

    /// <summary>Thread groups of the CPU breakdown: the loop thread by role, numbered threads together.</summary>
    private static string Group(string name, IContender contender)
    {
        if (name == contender.LoopThreadName)
        {
            return "loop thread";
        }

        return name.TrimEnd('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '#', '-');
    }
}
