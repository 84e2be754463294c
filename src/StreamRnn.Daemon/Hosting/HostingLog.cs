using Microsoft.Extensions.Logging;

namespace StreamRnn.Daemon.Hosting;

/// <summary>Log events of the daemon's start-up and shutdown.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(1001, LogLevel.Information, "StreamRnn {Version} starting: environment {Environment}, content root {ContentRoot}")]
    public static partial void Starting(ILogger logger, string version, string environment, string contentRoot);

    [LoggerMessage(1002, LogLevel.Information, "Kafka: {Mode} at {BootstrapServers}, group {GroupId}, delivery {Delivery}, client config {ClientConfig}")]
    public static partial void KafkaInUse(ILogger logger, string mode, string bootstrapServers, string groupId, string delivery, string clientConfig);

    [LoggerMessage(1003, LogLevel.Information, "HTTP listening on {Address} (/metrics, /healthz, /readyz, /info, /pipelines/{{name}}/keys/{{key}}, /pipelines/{{name}}/model, /pipelines/{{name}}/accuracy)")]
    public static partial void HttpListening(ILogger logger, string address);

    [LoggerMessage(1020, LogLevel.Information, "HTTP: key queries, model restore and the full /info are off: Http:ApiKey is not set (see docs/operations.md, Security)")]
    public static partial void ApiKeyNotSet(ILogger logger);

    [LoggerMessage(1004, LogLevel.Information, "Pipeline {Name} ({Source}): {InputTopic} -> {OutputTopic}; alerts {AlertTopic}, dead letters {DeadLetterTopic}, changelog {ChangelogTopic}, models {ModelTopic}")]
    public static partial void PipelineTopics(ILogger logger, string name, string source, string inputTopic, string outputTopic, string alertTopic, string deadLetterTopic, string changelogTopic, string modelTopic);

    [LoggerMessage(1005, LogLevel.Information, "Watch the predictions of {Name}: kcat -b {BootstrapServers} -C -t {OutputTopic} -o end")]
    public static partial void WatchCommand(ILogger logger, string name, string bootstrapServers, string outputTopic);

    [LoggerMessage(1006, LogLevel.Warning, "Delivery:Mode = ExactlyOnce with the embedded broker: the mock accepts transactions but does not honour read_committed, so exactly-once cannot be shown here")]
    public static partial void ExactlyOnceOnMock(ILogger logger);

    [LoggerMessage(1008, LogLevel.Information, "Stopping: services have {Timeout} to finish")]
    public static partial void Stopping(ILogger logger, TimeSpan timeout);

    [LoggerMessage(1009, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);
}
