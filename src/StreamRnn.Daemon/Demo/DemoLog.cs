using Microsoft.Extensions.Logging;

namespace StreamRnn.Daemon.Demo;

/// <summary>Log events of the demo feeds.</summary>
internal static partial class DemoLog
{
    [LoggerMessage(3001, LogLevel.Information, "Demo feed {File} -> {Topic}: {Keys} series, {Rows} rows, {RowsPerSecond:F1} records/s at speed {Speed}; repeats every {Cycle}")]
    public static partial void FeedStarted(ILogger logger, string file, string topic, int keys, int rows, double rowsPerSecond, double speed, TimeSpan cycle);

    [LoggerMessage(3002, LogLevel.Warning, "Demo feed {File} skipped: no pipeline named {Pipeline} is configured")]
    public static partial void FeedSkipped(ILogger logger, string file, string pipeline);

    [LoggerMessage(3003, LogLevel.Information, "Demo feed {File} finished pass {Pass}; starting again with timestamps shifted")]
    public static partial void FeedLooped(ILogger logger, string file, long pass);

    [LoggerMessage(3004, LogLevel.Warning, "Demo feed record to {Topic} not delivered: {Reason} ({Failures} failures so far)")]
    public static partial void DeliveryFailed(ILogger logger, string topic, string reason, long failures);

    [LoggerMessage(3005, LogLevel.Error, "Demo feed {File} stopped")]
    public static partial void FeedFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(3006, LogLevel.Information, "Demo feeds stopped after {Records} records")]
    public static partial void Stopped(ILogger logger, long records);

    [LoggerMessage(3007, LogLevel.Information, "Demo feeds are off (Demo:Enabled = {Enabled}, embedded broker: {Embedded})")]
    public static partial void Disabled(ILogger logger, string enabled, bool embedded);
}
