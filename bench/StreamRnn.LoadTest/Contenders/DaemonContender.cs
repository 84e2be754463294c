using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using StreamRnn.Engine.Configuration;
using StreamRnn.Engine.Metrics;
using StreamRnn.Engine.Runtime;
using StreamRnn.Kafka.Processing;
using StreamRnn.LoadTest.Configuration;

namespace StreamRnn.LoadTest.Contenders;

/// <summary>
/// The daemon's own consumer loop, <see cref="StreamProcessor"/>, in this process with one pipeline (the harness's
/// LSTM H = 32) and metrics recorded into a private registry, as the daemon records them into its default one.
/// Training is off (the pipeline has no Training section).
/// </summary>
public sealed class DaemonContender : IContender
{
    private readonly StreamProcessor _processor;

    public DaemonContender(StreamProcessorOptions options, PipelineDefinition definition)
    {
        var metrics = new StreamRnnMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
        Runtime = LoadPipeline.Runtime(definition, metrics);
        _processor = new StreamProcessor(options, [Runtime], NullLogger<StreamProcessor>.Instance, metrics);
    }

    public PipelineRuntime Runtime { get; }

    public string Name => $"daemon {Runtime.Definition.Model.Cell.ToString().ToUpperInvariant()} H={Runtime.Definition.Model.HiddenSize}";

    // Thread names are cut to 15 bytes by Linux: "streamrnn-consumer" reads "streamrnn-consu" in /proc.
    public string LoopThreadName => "streamrnn-consu";

    public bool Ready => _processor.Status.Joined && _processor.Status.AssignedPartitions > 0;

    public long Processed => _processor.Status.RecordsProcessed;

    public long InFlight => _processor.Outputs.InFlight;

    public string? Failure => _processor.Status.FatalError ?? _processor.Outputs.FirstFailure;

    public void Start() => _processor.Start();

    public Task StopAsync() => _processor.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _processor.StopAsync().ConfigureAwait(false);
        _processor.Dispose();
    }
}
